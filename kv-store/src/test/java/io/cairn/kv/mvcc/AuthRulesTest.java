package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.AuthCommand;
import io.cairn.kv.proto.AuthHeader;
import io.cairn.kv.proto.AuthenticateCommand;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.LeaseRevoke;
import io.cairn.kv.proto.auth.Permission;
import io.cairn.kv.proto.auth.User;
import io.cairn.kv.proto.etcd.AuthRoleGrantPermissionRequest;
import io.cairn.kv.proto.etcd.AuthRoleRevokePermissionRequest;
import io.cairn.kv.proto.etcd.AuthUserGrantRoleRequest;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleRequest;
import io.cairn.kv.proto.etcd.AuthenticateResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.4's auth rules as the store applies them (decision 0024): who may enable, what moves the auth revision, what
 * root may not lose, and the permission checks of writes at apply, against the auth revision the request was checked
 * at.
 */
class AuthRulesTest {
    private static final AuthHeader NOBODY = AuthHeader.getDefaultInstance();

    private static KvCommand auth(AuthCommand.Builder c, AuthHeader who) {
        return KvCommand.newBuilder().setAuth(c).setAuthHeader(who).build();
    }

    private static KvCommand auth(AuthCommand.Builder c) {
        return auth(c, NOBODY);
    }

    private static AuthCommand.Builder userAdd(String name) {
        return AuthCommand.newBuilder().setUserAdd(User.newBuilder().setName(bs(name))
                .setPassword(ByteString.copyFrom(io.cairn.kv.auth.PasswordHash.hash("pw", 4))));
    }

    private static AuthCommand.Builder grantRole(String user, String role) {
        return AuthCommand.newBuilder().setUserGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user)
                .setRole(role));
    }

    private static AuthCommand.Builder grantPrefix(String role, String prefix, Permission.Type type) {
        byte[] end = prefix.getBytes();
        end[end.length - 1]++;
        return AuthCommand.newBuilder().setRoleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
                .setName(role).setPerm(Permission.newBuilder().setPermType(type).setKey(bs(prefix))
                        .setRangeEnd(ByteString.copyFrom(end))));
    }

    private static KvCommand put(String key, AuthHeader who) {
        return KvCommand.newBuilder().setPut(Req.put(key, "v")).setAuthHeader(who).build();
    }

    private static AuthHeader as(String user, long authRevision) {
        return AuthHeader.newBuilder().setUsername(user).setAuthRevision(authRevision).build();
    }

    private static KvException error(KvResult r) {
        assertThat(r.isError()).as("refused: %s", r).isTrue();
        return r.error();
    }

    private static void ok(KvResult r) {
        assertThat(r.error()).as("%s", r).isNull();
    }

    /** root with the root role, alice with role app (readwrite /app/, read /ro/), auth enabled. */
    private static void setUp(StoreFixture f) {
        ok(f.apply(auth(userAdd("root"))));
        ok(f.apply(auth(grantRole("root", "root"))));
        ok(f.apply(auth(AuthCommand.newBuilder().setRoleAdd("app"))));
        ok(f.apply(auth(grantPrefix("app", "/app/", Permission.Type.READWRITE))));
        ok(f.apply(auth(grantPrefix("app", "/ro/", Permission.Type.READ))));
        ok(f.apply(auth(userAdd("alice"))));
        ok(f.apply(auth(grantRole("alice", "app"))));
        ok(f.apply(auth(AuthCommand.newBuilder().setEnable(
                io.cairn.kv.proto.etcd.AuthEnableRequest.getDefaultInstance()))));
    }

    @Test
    void enableNeedsARootUserWithTheRootRoleAndMovesNoRevision() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            KvCommand enable = auth(AuthCommand.newBuilder().setEnable(
                    io.cairn.kv.proto.etcd.AuthEnableRequest.getDefaultInstance()));
            assertThat(f.store.authState().revision()).isEqualTo(1);
            assertThat(error(f.apply(enable)).getMessage()).isEqualTo(KvErrors.ROOT_USER_NOT_EXIST);
            ok(f.apply(auth(userAdd("root"))));
            assertThat(error(f.apply(enable)).getMessage()).isEqualTo(KvErrors.ROOT_ROLE_NOT_EXIST);
            ok(f.apply(auth(grantRole("root", "root")))); // the root role need not exist
            ok(f.apply(auth(grantRole("root", "root")))); // granted already: nothing changes
            assertThat(f.store.authState().revision()).isEqualTo(3);
            ok(f.apply(enable));
            // once on, enabling again is auth management: root only, and then it changes nothing
            assertThat(error(f.apply(enable)).getMessage()).isEqualTo(KvErrors.USER_EMPTY);
            ok(f.apply(enable.toBuilder().setAuthHeader(as("root", 3)).build()));
            assertThat(f.store.authState().enabled()).isTrue();
            assertThat(f.store.authState().revision()).isEqualTo(3);
            assertThat(error(f.apply(auth(AuthCommand.newBuilder().setRoleAdd("x")))).getMessage())
                    .isEqualTo(KvErrors.USER_EMPTY);
            assertThat(f.store.revision()).isEqualTo(1); // auth is not a key: the store's revision stays
        }
    }

    @Test
    void rootCannotBeDeletedNorLoseItsRoleWhileEnabled() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            setUp(f);
            AuthHeader root = as("root", f.store.authState().revision());
            assertThat(error(f.apply(auth(AuthCommand.newBuilder().setUserDelete("root"), root))).getMessage())
                    .isEqualTo(KvErrors.INVALID_AUTH_MGMT);
            assertThat(error(f.apply(auth(AuthCommand.newBuilder().setUserRevokeRole(AuthUserRevokeRoleRequest
                    .newBuilder().setName("root").setRole("root")), root))).getMessage())
                    .isEqualTo(KvErrors.INVALID_AUTH_MGMT);
            assertThat(error(f.apply(auth(AuthCommand.newBuilder().setRoleDelete("root"), root))).getMessage())
                    .isEqualTo(KvErrors.INVALID_AUTH_MGMT);
            AuthHeader alice = as("alice", f.store.authState().revision());
            assertThat(error(f.apply(auth(userAdd("bob"), alice))).getMessage())
                    .isEqualTo(KvErrors.PERMISSION_DENIED);
            assertThat(error(f.apply(auth(userAdd("bob"), as("ghost", 9)))).getMessage())
                    .isEqualTo(KvErrors.USER_NOT_FOUND);
            ok(f.apply(auth(AuthCommand.newBuilder().setRoleDelete("app"), root)));
            assertThat(f.store.authState().user("alice").getRolesList()).isEmpty();
        }
    }

    @Test
    void writesAreCheckedAtApplyAgainstTheCallersPermissions() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            setUp(f);
            AuthHeader alice = as("alice", f.store.authState().revision());
            ok(f.apply(put("/app/a", alice)));
            assertThat(error(f.apply(put("/other", alice))).getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
            assertThat(error(f.apply(put("/ro/x", alice))).getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
            assertThat(error(f.apply(put("/app/a", NOBODY))).getMessage()).isEqualTo(KvErrors.USER_EMPTY);
            assertThat(error(f.apply(put("/app/a", as("ghost", alice.getAuthRevision())))).getMessage())
                    .isEqualTo(KvErrors.PERMISSION_DENIED);
            ok(f.apply(put("/x", as("root", alice.getAuthRevision()))));
            // a delete with prev_kv needs read too; a range reaching past the prefix needs it all
            ok(f.apply(KvCommand.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("/app/"))
                    .setRangeEnd(bs("/app0")).setPrevKv(true)).setAuthHeader(alice).build()));
            assertThat(error(f.apply(KvCommand.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
                    .setKey(bs("/app/")).setRangeEnd(ByteString.copyFrom(new byte[] {0}))).setAuthHeader(alice)
                    .build())).getMessage())
                    .isEqualTo(KvErrors.PERMISSION_DENIED);
            // a Txn: compares need read, each op what it needs, nested Txns too
            TxnRequest nested = Req.txn(List.of(), List.of(Req.op(Req.put("/other", "v"))), List.of());
            TxnRequest outer = Req.txn(List.of(), List.of(Req.op(Req.put("/app/b", "v")), Req.op(nested)), List.of());
            long before = f.store.revision();
            assertThat(error(f.apply(KvCommand.newBuilder().setTxn(outer).setAuthHeader(alice).build()))
                    .getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
            assertThat(f.store.revision()).isEqualTo(before);
            TxnRequest compareOther = Req.txn(List.of(Req.versionIs("/other", 0)),
                    List.of(Req.op(Req.put("/app/b", "v"))), List.of());
            assertThat(error(f.apply(KvCommand.newBuilder().setTxn(compareOther).setAuthHeader(alice).build()))
                    .getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
        }
    }

    /**
     * The race etcd guards with the auth revision in the request header: alice's put was checked (and proposed) while
     * she could write /app/; before it applies, the permission is revoked. Applied after the revoke, the put must be
     * refused, "revision of auth store is old", and write nothing, though it was permitted when checked.
     */
    @Test
    void aPermissionRevokedBetweenCheckAndApplyLetsNothingThrough() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            setUp(f);
            long checkedAt = f.store.authState().revision();
            AuthHeader alice = as("alice", checkedAt);
            AuthHeader root = as("root", checkedAt);
            byte[] end = "/app0".getBytes();
            List<KvResult> r = f.applyAll(List.of(
                    auth(AuthCommand.newBuilder().setRoleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder()
                            .setRole("app").setKey(bs("/app/")).setRangeEnd(ByteString.copyFrom(end))), root),
                    put("/app/late", alice)));
            ok(r.get(0));
            assertThat(error(r.get(1)).getMessage()).isEqualTo(KvErrors.AUTH_OLD_REVISION);
            assertThat(f.store.range(Req.get("/app/late")).getKvsCount()).isZero();
            assertThat(f.store.authState().revision()).isEqualTo(checkedAt + 1);
            // checked again at the new revision, the put is simply not permitted any more
            assertThat(error(f.apply(put("/app/late", as("alice", checkedAt + 1)))).getMessage())
                    .isEqualTo(KvErrors.PERMISSION_DENIED);
        }
    }

    @Test
    void revokingALeaseNeedsWriteOnItsKeys() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            setUp(f);
            AuthHeader root = as("root", f.store.authState().revision());
            AuthHeader alice = as("alice", f.store.authState().revision());
            ok(f.apply(KvCommand.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(100))
                    .build()));
            ok(f.apply(KvCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(bs("/other")).setValue(bs("v"))
                    .setLease(7)).setAuthHeader(root).build()));
            // attaching a key to that lease would let alice revoke (delete) /other: refused too
            assertThat(error(f.apply(KvCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(bs("/app/l"))
                    .setLease(7)).setAuthHeader(alice).build())).getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
            KvCommand revoke = KvCommand.newBuilder().setLeaseRevoke(LeaseRevoke.newBuilder().setID(7))
                    .setAuthHeader(alice).build();
            assertThat(error(f.apply(revoke)).getMessage()).isEqualTo(KvErrors.PERMISSION_DENIED);
            // the leader's expiry is no caller's: it always goes
            ok(f.apply(KvCommand.newBuilder().setLeaseRevoke(LeaseRevoke.newBuilder().setID(7).setExpired(true))
                    .build()));
        }
    }

    @Test
    void authenticateIssuesATokenNamedByItsIndexAndRefusesUnknownUsers() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            KvCommand alice = auth(AuthCommand.newBuilder().setAuthenticate(AuthenticateCommand.newBuilder()
                    .setName("alice").setTokenPrefix("abc")));
            assertThat(error(f.apply(alice)).getMessage()).isEqualTo(KvErrors.AUTH_NOT_ENABLED);
            setUp(f);
            KvResult r = f.apply(alice);
            ok(r);
            assertThat(r.response(AuthenticateResponse.class).getToken()).isEqualTo("abc." + f.index);
            assertThat(error(f.apply(auth(AuthCommand.newBuilder().setAuthenticate(AuthenticateCommand.newBuilder()
                    .setName("ghost").setTokenPrefix("x"))))).getMessage()).isEqualTo(KvErrors.AUTH_FAILED);
        }
    }

    @Test
    void authRecordsSurviveReopenCheckpointAndSnapshotRestore() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            setUp(f);
            AuthState before = f.store.authState();
            f.reopen();
            assertThat(f.store.authState().toString()).isEqualTo(before.toString());
            assertThat(f.store.authState().user("alice")).isEqualTo(before.user("alice"));
            Path checkpoint = f.nextDir();
            f.store.checkpoint(checkpoint);
            try (MvccStore copy = MvccStore.open(checkpoint, f.store.limits())) {
                assertThat(copy.authState().enabled()).isTrue();
                assertThat(copy.authState().role("app")).isEqualTo(before.role("app"));
            }
            MvccStore.forgetAppliedIndex(checkpoint, f.store.limits()); // cairn kv snapshot restore
            try (MvccStore restored = MvccStore.open(checkpoint, f.store.limits())) {
                assertThat(restored.authState().toString()).isEqualTo(before.toString());
                assertThat(restored.authState().revision()).isEqualTo(before.revision());
            }
        }
    }
}
