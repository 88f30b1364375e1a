"""STIX 2.1: checking incoming objects, and (later) Kizuna's own types and markings."""
