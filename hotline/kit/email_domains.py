"""Whether an email address belongs to a domain: the rule every sender address must meet."""


def in_email_domain(address: str, domain: str) -> bool:
    """``address`` lies in ``domain`` or one of its subdomains (what DMARC alignment allows)."""
    address_domain = address.rpartition("@")[2].lower().rstrip(".")
    domain = domain.lower().rstrip(".")
    return bool(domain) and (address_domain == domain or address_domain.endswith("." + domain))
