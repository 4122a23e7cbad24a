package io.cairn.apiserver.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Who made a request, as kube-apiserver's {@code user.Info} says it: a name, a uid (often empty) and groups.
 *
 * <p>Every authenticated user also carries {@link #AUTHENTICATED} (kube-apiserver adds {@code system:authenticated}
 * to whoever any authenticator accepted; RBAC's default bindings and {@code kubectl auth whoami} rely on it), and the
 * anonymous user carries {@link #UNAUTHENTICATED}. Immutable.
 */
public record User(String name, String uid, List<String> groups) {
    /** The group of every authenticated user. */
    public static final String AUTHENTICATED = "system:authenticated";
    /** The group of the anonymous user. */
    public static final String UNAUTHENTICATED = "system:unauthenticated";
    /** The superuser group (RBAC grants it everything). */
    public static final String MASTERS = "system:masters";

    /**
     * The identity of in-process callers (the embedded client, controllers running inside the server): the same user
     * as the admin client certificate.
     */
    public static final User ADMIN = authenticated(Pki.ADMIN_USER, "", List.of(MASTERS));

    /** A request without credentials, where anonymous requests are allowed. */
    public static final User ANONYMOUS = new User("system:anonymous", "", List.of(UNAUTHENTICATED));

    public User {
        Objects.requireNonNull(name, "name");
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
    }

    /** A user some authenticator accepted: {@code groups} plus {@link #AUTHENTICATED} (once). */
    public static User authenticated(String name, String uid, List<String> groups) {
        List<String> g = new ArrayList<>(groups);
        if (!g.contains(AUTHENTICATED)) {
            g.add(AUTHENTICATED);
        }
        return new User(name, uid, g);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }
}
