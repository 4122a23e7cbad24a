package io.cairn.kv.mvcc;

import io.cairn.kv.auth.KeyPermissions;
import io.cairn.kv.proto.AuthHeader;
import io.cairn.kv.proto.auth.Permission;
import io.cairn.kv.proto.auth.Role;
import io.cairn.kv.proto.auth.User;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The auth records of the store at one point of the log (decision 0024): whether auth is enabled, the auth revision
 * (1 in a new store; +1 with every change of users, roles or permissions, and with a disable, as etcd counts), the
 * users (name, password hash, sorted roles) and the roles (sorted permissions); and etcd 3.4's permission rules on
 * them ({@code auth/store.go}):
 *
 * <ul>
 *   <li>{@link #checkOp}: nothing is checked while auth is disabled; a request with no user (auth revision 0) is
 *       refused "user name is empty"; one checked at an auth revision older than this one "revision of auth store is
 *       old" (the permissions it was checked against may be gone); an unknown user, or a key or range its roles do
 *       not cover, "permission denied"; a user with the {@code root} role may do anything.
 *   <li>{@link #checkAdmin}: auth management, member changes and the heavy maintenance calls need the root role
 *       ("user name is empty", "user name not found", "permission denied" otherwise).
 *   <li>{@link #checkTxn}: every compare needs read permission on its key or range; every op on either branch what it
 *       needs alone (a delete with prev_kv needs read as well). Nested Txns are checked too (etcd 3.4.23 skipped them,
 *       a hole later etcd releases closed).
 * </ul>
 *
 * <p>Immutable (each user's merged permissions are computed when the state is built); any thread.
 */
public final class AuthState {
    /** The root user and role, which etcd treats specially. */
    public static final String ROOT = "root";

    /** A store that never had auth: disabled, revision 1 (etcd's auth store starts at 1), nobody. */
    public static final AuthState INITIAL = new AuthState(false, 1, Map.of(), Map.of());

    private record Perms(KeyPermissions read, KeyPermissions write) {}

    private final boolean enabled;
    private final long revision;
    private final SortedMap<String, User> users;
    private final SortedMap<String, Role> roles;
    private final Map<String, Perms> perms;

    AuthState(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
        this.enabled = enabled;
        this.revision = revision;
        this.users = Collections.unmodifiableSortedMap(new TreeMap<>(users));
        this.roles = Collections.unmodifiableSortedMap(new TreeMap<>(roles));
        Map<String, Perms> merged = new HashMap<>();
        for (User u : users.values()) {
            merged.put(u.getName().toStringUtf8(), merge(u));
        }
        this.perms = Map.copyOf(merged);
    }

    private Perms merge(User u) {
        KeyPermissions.Builder read = KeyPermissions.builder();
        KeyPermissions.Builder write = KeyPermissions.builder();
        for (String roleName : u.getRolesList()) {
            Role r = roles.get(roleName);
            if (r == null) {
                continue;
            }
            for (Permission p : r.getKeyPermissionList()) {
                byte[] key = p.getKey().toByteArray();
                byte[] end = p.getRangeEnd().toByteArray();
                if (p.getPermType() != Permission.Type.WRITE) {
                    read.add(key, end);
                }
                if (p.getPermType() != Permission.Type.READ) {
                    write.add(key, end);
                }
            }
        }
        return new Perms(read.build(), write.build());
    }

    public boolean enabled() {
        return enabled;
    }

    public long revision() {
        return revision;
    }

    /** Every user, by name. */
    public SortedMap<String, User> users() {
        return users;
    }

    /** Every role, by name. */
    public SortedMap<String, Role> roles() {
        return roles;
    }

    public User user(String name) {
        return users.get(name);
    }

    public Role role(String name) {
        return roles.get(name);
    }

    /** Whether user {@code name} exists and holds {@code role}. */
    public boolean hasRole(String name, String role) {
        User u = users.get(name);
        return u != null && u.getRolesList().contains(role);
    }

    /** An etcd request header for {@code user} checked now; absent user: the header of nobody. */
    public AuthHeader headerFor(String user) {
        return user == null ? AuthHeader.getDefaultInstance()
                : AuthHeader.newBuilder().setUsername(user).setAuthRevision(revision).build();
    }

    /** etcd's {@code isOpPermitted} for a read ({@code write} false) or write of {@code [key, rangeEnd)}. */
    public void checkOp(AuthHeader who, byte[] key, byte[] rangeEnd, boolean write) {
        if (!enabled) {
            return;
        }
        if (who.getAuthRevision() == 0) {
            throw KvErrors.userEmpty();
        }
        if (who.getAuthRevision() < revision) {
            throw KvErrors.authOldRevision();
        }
        User u = users.get(who.getUsername());
        if (u == null) {
            throw KvErrors.permissionDenied();
        }
        if (u.getRolesList().contains(ROOT)) {
            return;
        }
        Perms p = perms.get(who.getUsername());
        if (!(write ? p.write() : p.read()).permits(key, rangeEnd)) {
            throw KvErrors.permissionDenied();
        }
    }

    /** etcd's {@code IsAdminPermitted}: the root role (no revision check, as in etcd). */
    public void checkAdmin(AuthHeader who) {
        if (!enabled) {
            return;
        }
        if (who.getUsername().isEmpty()) {
            throw KvErrors.userEmpty();
        }
        User u = users.get(who.getUsername());
        if (u == null) {
            throw KvErrors.userNotFound();
        }
        if (!u.getRolesList().contains(ROOT)) {
            throw KvErrors.permissionDenied();
        }
    }

    public void checkRange(AuthHeader who, RangeRequest r) {
        checkOp(who, r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), false);
    }

    /** A Put of {@code key}: write; with prev_kv also read. */
    public void checkPut(AuthHeader who, byte[] key, boolean prevKv) {
        checkOp(who, key, new byte[0], true);
        if (prevKv) {
            checkOp(who, key, new byte[0], false);
        }
    }

    /** A DeleteRange: write on the range; with prev_kv also read. */
    public void checkDelete(AuthHeader who, DeleteRangeRequest d) {
        byte[] key = d.getKey().toByteArray();
        byte[] end = d.getRangeEnd().toByteArray();
        checkOp(who, key, end, true);
        if (d.getPrevKv()) {
            checkOp(who, key, end, false);
        }
    }

    /** etcd's {@code checkTxnAuth}, nested Txns included. */
    public void checkTxn(AuthHeader who, TxnRequest t) {
        if (!enabled) {
            return;
        }
        for (Compare c : t.getCompareList()) {
            checkOp(who, c.getKey().toByteArray(), c.getRangeEnd().toByteArray(), false);
        }
        checkOps(who, t.getSuccessList());
        checkOps(who, t.getFailureList());
    }

    private void checkOps(AuthHeader who, List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> checkRange(who, op.getRequestRange());
                case REQUEST_PUT -> checkOp(who, op.getRequestPut().getKey().toByteArray(), new byte[0], true);
                case REQUEST_DELETE_RANGE -> checkDelete(who, op.getRequestDeleteRange());
                case REQUEST_TXN -> checkTxn(who, op.getRequestTxn());
                case REQUEST_NOT_SET -> { }
            }
        }
    }

    @Override
    public String toString() {
        return "AuthState{enabled=" + enabled + ", revision=" + revision + ", users=" + users.keySet() + ", roles="
                + roles.keySet() + "}";
    }
}
