"""STIX 2.1: checking incoming objects, Kizuna's own types and the label markings."""
