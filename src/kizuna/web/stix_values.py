"""The words of STIX 2.1's own vocabularies (its "open vocabularies", section 10 of the
specification), for the values of a partner's or a feed's objects on the object page:
`malicious-activity` is a code to a reader, "Malicious activity" a word. A type's own
value words (`Node.value_words`) come first; a value outside these lists (an open
vocabulary admits any) is shown as it was sent."""

from __future__ import annotations

from kizuna.web.fields import coded
from kizuna.web.i18n import N_

__all__ = ["stix_value"]

_IDENTITY_CLASS = {
    "individual": N_("Individual"),
    "group": N_("Group"),
    "system": N_("System"),
    "organization": N_("Organization"),
    "class": N_("Class of entities"),
    "unknown": N_("Unknown"),
}
_INDICATOR_TYPES = {
    "anomalous-activity": N_("Anomalous activity"),
    "anonymization": N_("Anonymization"),
    "benign": N_("Benign"),
    "compromised": N_("Compromised"),
    "malicious-activity": N_("Malicious activity"),
    "attribution": N_("Attribution"),
    "unknown": N_("Unknown"),
}
_MALWARE_TYPES = {
    "adware": N_("Adware"),
    "backdoor": N_("Backdoor"),
    "bot": N_("Bot"),
    "bootkit": N_("Bootkit"),
    "ddos": N_("DDoS"),
    "downloader": N_("Downloader"),
    "dropper": N_("Dropper"),
    "exploit-kit": N_("Exploit kit"),
    "keylogger": N_("Keylogger"),
    "ransomware": N_("Ransomware"),
    "remote-access-trojan": N_("Remote access trojan"),
    "resource-exploitation": N_("Resource exploitation"),
    "rogue-security-software": N_("Rogue security software"),
    "rootkit": N_("Rootkit"),
    "screen-capture": N_("Screen capture"),
    "spyware": N_("Spyware"),
    "trojan": N_("Trojan"),
    "unknown": N_("Unknown"),
    "virus": N_("Virus"),
    "webshell": N_("Web shell"),
    "wiper": N_("Wiper"),
    "worm": N_("Worm"),
}
_THREAT_ACTOR_TYPES = {
    "activist": N_("Activist"),
    "competitor": N_("Competitor"),
    "crime-syndicate": N_("Crime syndicate"),
    "criminal": N_("Criminal"),
    "hacker": N_("Hacker"),
    "insider-accidental": N_("Insider (accidental)"),
    "insider-disgruntled": N_("Insider (disgruntled)"),
    "nation-state": N_("Nation state"),
    "sensationalist": N_("Sensationalist"),
    "spy": N_("Spy"),
    "terrorist": N_("Terrorist"),
    "unknown": N_("Unknown"),
}
_TOOL_TYPES = {
    "denial-of-service": N_("Denial of service"),
    "exploitation": N_("Exploitation"),
    "information-gathering": N_("Information gathering"),
    "network-capture": N_("Network capture"),
    "credential-exploitation": N_("Credential exploitation"),
    "remote-access": N_("Remote access"),
    "vulnerability-scanning": N_("Vulnerability scanning"),
    "unknown": N_("Unknown"),
}
_REPORT_TYPES = {
    "attack-pattern": N_("Attack pattern"),
    "campaign": N_("Campaign"),
    "identity": N_("Identity"),
    "indicator": N_("Indicator"),
    "intrusion-set": N_("Intrusion set"),
    "malware": N_("Malware"),
    "observed-data": N_("Observed data"),
    "threat-actor": N_("Threat actor"),
    "threat-report": N_("Threat report"),
    "tool": N_("Tool"),
    "vulnerability": N_("Vulnerability"),
}
_INFRASTRUCTURE_TYPES = {
    "amplification": N_("Amplification"),
    "anonymization": N_("Anonymization"),
    "botnet": N_("Botnet"),
    "command-and-control": N_("Command and control"),
    "control-system": N_("Control system"),
    "exfiltration": N_("Exfiltration"),
    "firewall": N_("Firewall"),
    "hosting-malware": N_("Hosting malware"),
    "hosting-target-lists": N_("Hosting target lists"),
    "phishing": N_("Phishing"),
    "reconnaissance": N_("Reconnaissance"),
    "routers-switches": N_("Routers and switches"),
    "staging": N_("Staging"),
    "workstation": N_("Workstation"),
    "unknown": N_("Unknown"),
}
_GROUPING_CONTEXT = {
    "suspicious-activity": N_("Suspicious activity"),
    "malware-analysis": N_("Malware analysis"),
    "unspecified": N_("Unspecified"),
}
_EXTENSION_TYPES = {
    "new-sdo": N_("New domain object type"),
    "new-sco": N_("New observable type"),
    "new-sro": N_("New relationship type"),
    "property-extension": N_("Property extension"),
    "toplevel-property-extension": N_("Top-level property extension"),
}

_CODED = coded(
    {
        "identity_class": _IDENTITY_CLASS,
        "indicator_types": _INDICATOR_TYPES,
        "malware_types": _MALWARE_TYPES,
        "threat_actor_types": _THREAT_ACTOR_TYPES,
        "tool_types": _TOOL_TYPES,
        "report_types": _REPORT_TYPES,
        "infrastructure_types": _INFRASTRUCTURE_TYPES,
        "extension_types": _EXTENSION_TYPES,
        "extension_type": _EXTENSION_TYPES,
        "context": _GROUPING_CONTEXT,
    }
)


def stix_value(path: str, value: str, lang: str) -> str | None:
    """A value of one of STIX's vocabularies in the reader's words, or None. An
    extension's own `extension_type` sits under its definition's id."""
    if path.startswith("extensions.") and path.endswith(".extension_type"):
        path = "extension_type"
    return _CODED(path, value, lang)
