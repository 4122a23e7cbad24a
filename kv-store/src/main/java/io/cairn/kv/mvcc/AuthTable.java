package io.cairn.kv.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.proto.auth.Role;
import io.cairn.kv.proto.auth.User;
import io.cairn.raft.core.Invariants;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The auth records in the meta column family (decision 0024; key layout in {@link Keys}): read whole into an
 * {@link AuthState}, as etcd rebuilds its permission cache after every change; written through {@link WriteTxn}.
 * Each record is checked when read: its key names the user or role it holds. One thread, as its view.
 */
final class AuthTable {
    private final KvSource source;
    private final Columns columns;

    AuthTable(KvSource source, Columns columns) {
        this.source = source;
        this.columns = columns;
    }

    /** Everything, as of the view. */
    AuthState load() {
        byte[] enabled = source.get(columns.meta, Keys.META_AUTH_ENABLED);
        byte[] revision = source.get(columns.meta, Keys.META_AUTH_REVISION);
        Map<String, User> users = new HashMap<>();
        scan(Keys.META_AUTH_USER_PREFIX, (name, value) -> users.put(name, parseUser(name, value)));
        Map<String, Role> roles = new HashMap<>();
        scan(Keys.META_AUTH_ROLE_PREFIX, (name, value) -> roles.put(name, parseRole(name, value)));
        long rev = revision == null ? AuthState.INITIAL.revision() : Keys.bytesLong(revision);
        Invariants.check(rev >= 1, "auth revision %s below 1", rev);
        return new AuthState(enabled != null && enabled.length == 1 && enabled[0] == 1, rev, users, roles);
    }

    static void writeEnabled(WriteTxn w, boolean on) {
        w.putAuth(Keys.META_AUTH_ENABLED, new byte[] {(byte) (on ? 1 : 0)});
    }

    static void writeRevision(WriteTxn w, long revision) {
        w.putAuth(Keys.META_AUTH_REVISION, Keys.longBytes(revision));
    }

    static void putUser(WriteTxn w, User u) {
        w.putAuth(Keys.authUserKey(u.getName().toStringUtf8()), u.toByteArray());
    }

    static void deleteUser(WriteTxn w, String name) {
        w.removeAuth(Keys.authUserKey(name));
    }

    static void putRole(WriteTxn w, Role r) {
        w.putAuth(Keys.authRoleKey(r.getName().toStringUtf8()), r.toByteArray());
    }

    static void deleteRole(WriteTxn w, String name) {
        w.removeAuth(Keys.authRoleKey(name));
    }

    private void scan(byte[] prefix, java.util.function.BiConsumer<String, byte[]> visitor) {
        source.forEachWithPrefix(columns.meta, prefix, (k, value) -> visitor.accept(
                new String(Arrays.copyOfRange(k, prefix.length, k.length), StandardCharsets.UTF_8), value));
    }

    private static User parseUser(String name, byte[] value) {
        try {
            User u = User.parseFrom(value);
            Invariants.check(u.getName().toStringUtf8().equals(name), "the record of user %s names %s", name,
                    u.getName().toStringUtf8());
            return u;
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("the record of user " + name + " does not parse", e);
        }
    }

    private static Role parseRole(String name, byte[] value) {
        try {
            Role r = Role.parseFrom(value);
            Invariants.check(r.getName().toStringUtf8().equals(name), "the record of role %s names %s", name,
                    r.getName().toStringUtf8());
            return r;
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("the record of role " + name + " does not parse", e);
        }
    }
}
