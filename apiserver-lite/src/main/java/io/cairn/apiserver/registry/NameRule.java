package io.cairn.apiserver.registry;

/** Which syntax an object's {@code metadata.name} must follow (Kubernetes' {@code ValidateNameFunc} per kind). */
public enum NameRule {
    /** RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters (most kinds). */
    DNS_SUBDOMAIN,
    /** RFC 1123 label: lower-case alphanumerics and '-', at most 63 characters (namespaces). */
    DNS_LABEL,
    /** RFC 1035 label: as a DNS label, but starting with a letter (services). */
    DNS1035_LABEL,
    /** Any name that is a valid path segment (not ".", "..", no '/' or '%') (events, nodes' leases use subdomains). */
    PATH_SEGMENT
}
