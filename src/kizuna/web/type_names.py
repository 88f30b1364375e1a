"""Each type in a reader's words: the search filter, the objects list and page, and
the words of a refusal that names a type (`errors`), which cannot import the pages."""

from __future__ import annotations

from kizuna.web.i18n import N_

__all__ = ["TYPE_NAMES"]

# Types a reader may filter by, in their words; domain types join from the owners.
TYPE_NAMES = {
    "report": N_("Report"),
    "note": N_("Note"),
    "indicator": N_("Indicator"),
    # STIX's observed data, named apart from the cell's observation reports (both were
    # "Observation" to a reader of the objects filter and the intel tabs).
    "observed-data": N_("Observed data (STIX)"),
    "x-kizuna-coordination-item": N_("Coordination item"),
    "x-kizuna-coordination-response": N_("Answer to an item"),
    "grouping": N_("Joint product"),
    "artifact": N_("Attachment"),
    "x-kizuna-assessment": N_("Assessment"),
    "x-kizuna-observation": N_("Observation report"),
    "x-kizuna-meeting": N_("Meeting"),
    "x-kizuna-section": N_("Meeting section"),
    "x-kizuna-item": N_("Meeting item"),
    "x-kizuna-decision": N_("Decision"),
    "x-kizuna-review": N_("Review"),
    "x-kizuna-link": N_("Link between decisions"),
    "x-kizuna-glossary-term": N_("Glossary term"),
    "x-kizuna-incident": N_("Incident"),
    "x-kizuna-incident-ack": N_("Incident acknowledgement"),
    "x-kizuna-incident-public": N_("Public incident notice"),
    "x-kizuna-rfi": N_("Request for information"),
    "x-kizuna-rfi-reply": N_("Reply to a request for information"),
    "x-kizuna-tasker": N_("Tasker"),
    "x-kizuna-tasker-status": N_("Tasker status"),
    "x-kizuna-watch-entry": N_("Watch log entry"),
    "x-kizuna-handover": N_("Watch handover"),
    "x-kizuna-situation-determination": N_("Situation determination"),
    "x-kizuna-approval": N_("Approval"),
    "x-kizuna-receipt": N_("Receipt"),
    "x-kizuna-recall": N_("Recall"),
    # The other STIX 2.1 types a partner or a feed may send. STIX's `incident` is a
    # stub for cyber incidents, named apart from Kizuna's own (an accident or event
    # near a base) so that the two never read as one in a type filter.
    "incident": N_("Cyber incident (STIX)"),
    "attack-pattern": N_("Attack pattern"),
    "campaign": N_("Campaign"),
    "course-of-action": N_("Course of action"),
    "identity": N_("Identity"),
    "infrastructure": N_("Infrastructure"),
    "intrusion-set": N_("Intrusion set"),
    "location": N_("Location"),
    "malware": N_("Malware"),
    "malware-analysis": N_("Malware analysis"),
    "opinion": N_("Opinion"),
    "threat-actor": N_("Threat actor"),
    "tool": N_("Tool"),
    "vulnerability": N_("Vulnerability"),
    "relationship": N_("Relationship"),
    "sighting": N_("Sighting"),
    "marking-definition": N_("Marking definition"),
    "language-content": N_("Language content"),
    "extension-definition": N_("Extension definition"),
    "autonomous-system": N_("Autonomous system"),
    "directory": N_("Directory"),
    "domain-name": N_("Domain name"),
    "email-addr": N_("Email address"),
    "email-message": N_("Email message"),
    "file": N_("File"),
    "ipv4-addr": N_("IPv4 address"),
    "ipv6-addr": N_("IPv6 address"),
    "mac-addr": N_("MAC address"),
    "mutex": N_("Mutex"),
    "network-traffic": N_("Network traffic"),
    "process": N_("Process"),
    "software": N_("Software"),
    "url": N_("Web address (URL)"),
    "user-account": N_("User account"),
    "windows-registry-key": N_("Windows registry key"),
    "x509-certificate": N_("X.509 certificate"),
}
