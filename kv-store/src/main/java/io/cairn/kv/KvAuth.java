package io.cairn.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.kv.auth.PasswordHash;
import io.cairn.kv.auth.SimpleTokens;
import io.cairn.kv.mvcc.AuthState;
import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.proto.AuthCommand;
import io.cairn.kv.proto.AuthHeader;
import io.cairn.kv.proto.AuthenticateCommand;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.auth.User;
import io.cairn.kv.proto.auth.UserAddOptions;
import io.cairn.kv.proto.etcd.AuthDisableRequest;
import io.cairn.kv.proto.etcd.AuthDisableResponse;
import io.cairn.kv.proto.etcd.AuthEnableRequest;
import io.cairn.kv.proto.etcd.AuthEnableResponse;
import io.cairn.kv.proto.etcd.AuthRoleAddRequest;
import io.cairn.kv.proto.etcd.AuthRoleAddResponse;
import io.cairn.kv.proto.etcd.AuthRoleDeleteRequest;
import io.cairn.kv.proto.etcd.AuthRoleDeleteResponse;
import io.cairn.kv.proto.etcd.AuthRoleGetRequest;
import io.cairn.kv.proto.etcd.AuthRoleGetResponse;
import io.cairn.kv.proto.etcd.AuthRoleGrantPermissionRequest;
import io.cairn.kv.proto.etcd.AuthRoleGrantPermissionResponse;
import io.cairn.kv.proto.etcd.AuthRoleListResponse;
import io.cairn.kv.proto.etcd.AuthRoleRevokePermissionRequest;
import io.cairn.kv.proto.etcd.AuthRoleRevokePermissionResponse;
import io.cairn.kv.proto.etcd.AuthUserAddRequest;
import io.cairn.kv.proto.etcd.AuthUserAddResponse;
import io.cairn.kv.proto.etcd.AuthUserChangePasswordRequest;
import io.cairn.kv.proto.etcd.AuthUserChangePasswordResponse;
import io.cairn.kv.proto.etcd.AuthUserDeleteRequest;
import io.cairn.kv.proto.etcd.AuthUserDeleteResponse;
import io.cairn.kv.proto.etcd.AuthUserGetRequest;
import io.cairn.kv.proto.etcd.AuthUserGetResponse;
import io.cairn.kv.proto.etcd.AuthUserGrantRoleRequest;
import io.cairn.kv.proto.etcd.AuthUserGrantRoleResponse;
import io.cairn.kv.proto.etcd.AuthUserListResponse;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleRequest;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleResponse;
import io.cairn.kv.proto.etcd.AuthenticateRequest;
import io.cairn.kv.proto.etcd.AuthenticateResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * etcd's Auth service on one member (decision 0024): users, roles and permissions changed through the log (their
 * records and rules: {@link AuthState}, applied by the store), simple tokens ({@link SimpleTokens}), and the question
 * every request asks first: who is calling ({@link #caller}).
 *
 * <p>A caller is named by a token the client got from Authenticate and sends in the {@code token} (or
 * {@code authorization}) metadata. No token means nobody: allowed everything while auth is disabled, refused
 * "etcdserver: user name is empty" while it is enabled. A token this member does not know is refused "etcdserver:
 * invalid auth token" (clients then authenticate again), unless it was issued at a log index this member has not
 * applied yet: then the request waits, up to {@link #TOKEN_WAIT_MILLIS}, until it has (etcd's {@code indexWaiter}).
 * The caller's header carries the auth revision it was resolved at; a write is checked again at apply against that
 * revision, a read after it ran, so a permission revoked meanwhile never lets a request through.
 *
 * <p>Passwords are hashed (UserAdd, UserChangePassword) and checked (Authenticate) on {@code hashing}, never on a
 * gRPC transport thread. Threads: every method returns at once and may be called from any thread.
 */
public final class KvAuth {
    /** How long a request waits for the entry that issued its token to be applied here. */
    static final long TOKEN_WAIT_MILLIS = 3_000;
    /** How often the wait looks again. */
    private static final long TOKEN_POLL_MILLIS = 10;
    /** An Authenticate whose password check was overtaken by an auth change is tried again this often at most. */
    private static final int AUTHENTICATE_ATTEMPTS_MAX = 5;

    private final KvStore store;
    private final KvStateMachine stateMachine;
    private final SimpleTokens tokens;
    private final int hashCost;
    private final Executor hashing;
    private final LongSupplier appliedIndex;

    KvAuth(KvStore store, KvStateMachine stateMachine, KvStore.AuthConfig config, Executor hashing,
            LongSupplier appliedIndex) {
        this.store = store;
        this.stateMachine = stateMachine;
        this.tokens = new SimpleTokens(config.tokenTtlSeconds(), System::nanoTime);
        this.hashCost = config.hashCost();
        this.hashing = hashing;
        this.appliedIndex = appliedIndex;
        stateMachine.attach(tokens);
    }

    /** The auth records as of this member's last applied entry. */
    public AuthState state() {
        return stateMachine.read(MvccStore::authState);
    }

    /** This member's simple tokens (tests). */
    public SimpleTokens tokens() {
        return tokens;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Callers

    /** Who {@code token} (null: none given) names, as a request header; fails "invalid auth token". */
    public CompletableFuture<AuthHeader> caller(String token) {
        if (token == null) {
            return CompletableFuture.completedFuture(AuthHeader.getDefaultInstance());
        }
        return caller(token, System.nanoTime());
    }

    private CompletableFuture<AuthHeader> caller(String token, long startNanos) {
        AuthState state = state();
        String user = tokens.user(token);
        if (user != null) {
            return CompletableFuture.completedFuture(state.headerFor(user));
        }
        long index = SimpleTokens.indexOf(token);
        boolean later = index > appliedIndex.getAsLong();
        if (!later || System.nanoTime() - startNanos > TOKEN_WAIT_MILLIS * 1_000_000L) {
            return CompletableFuture.failedFuture(KvErrors.invalidAuthToken());
        }
        return CompletableFuture.supplyAsync(() -> null,
                CompletableFuture.delayedExecutor(TOKEN_POLL_MILLIS, TimeUnit.MILLISECONDS))
                .thenCompose(v -> caller(token, startNanos));
    }

    /**
     * Fails unless {@code token}'s user may administer the cluster (the root role) or auth is disabled: what etcd asks
     * of member changes, Defragment, Snapshot, Hash and HashKV.
     */
    public CompletableFuture<Void> checkAdmin(String token) {
        return caller(token).thenAccept(who -> state().checkAdmin(who));
    }

    // ---------------------------------------------------------------------------------------------------------
    // etcd's Auth service

    public CompletableFuture<AuthEnableResponse> enable(String token) {
        return command(token, AuthCommand.newBuilder().setEnable(AuthEnableRequest.getDefaultInstance()));
    }

    public CompletableFuture<AuthDisableResponse> disable(String token) {
        return command(token, AuthCommand.newBuilder().setDisable(AuthDisableRequest.getDefaultInstance()));
    }

    /**
     * etcd's Authenticate: after a linearizable read, the password is checked against this member's records
     * ("etcdserver: authentication is not enabled", "etcdserver: authentication failed, invalid user ID or
     * password"), then a token
     * prefix goes through the log and every member issues the token. If the auth records changed between the check
     * and the issue (a password changed), the whole is done again, as etcd does.
     */
    public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r) {
        return authenticate(r, 1);
    }

    private CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r, int attempt) {
        return store.read(false, this::state).thenApplyAsync(state -> checkPassword(state, r), hashing)
                .thenCompose(checkedRevision -> store.<AuthenticateResponse>write(KvCommand.newBuilder()
                        .setAuth(AuthCommand.newBuilder().setAuthenticate(AuthenticateCommand.newBuilder()
                                .setName(r.getName()).setTokenPrefix(SimpleTokens.newPrefix()))).build())
                        .thenCompose(resp -> state().revision() == checkedRevision
                                ? CompletableFuture.completedFuture(resp)
                                // the users or roles changed between the check and the token: check again, as
                                // etcd does; a token for a password that may be stale is never handed out
                                : attempt < AUTHENTICATE_ATTEMPTS_MAX ? authenticate(r, attempt + 1)
                                : CompletableFuture.failedFuture(KvErrors.authOldRevision())));
    }

    /** etcd's {@code CheckPassword}: the auth revision the password was found right at. */
    private static long checkPassword(AuthState state, AuthenticateRequest r) {
        if (!state.enabled()) {
            throw KvErrors.authNotEnabled();
        }
        User u = state.user(r.getName());
        if (u == null) {
            throw KvErrors.authFailed();
        }
        if (u.getOptions().getNoPassword()) {
            throw KvErrors.noPasswordUser();
        }
        if (!PasswordHash.matches(r.getPassword(), u.getPassword().toByteArray())) {
            throw KvErrors.authFailed();
        }
        return state.revision();
    }

    /** etcd's UserAdd; the password is hashed here, before the command is proposed. */
    public CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest r, String token) {
        if (r.getName().isEmpty()) {
            return CompletableFuture.failedFuture(KvErrors.userEmpty());
        }
        boolean noPassword = r.hasOptions() && r.getOptions().getNoPassword();
        return CompletableFuture.supplyAsync(() -> noPassword ? new byte[0] : PasswordHash.hash(r.getPassword(),
                hashCost), hashing).thenCompose(hash -> command(token, AuthCommand.newBuilder().setUserAdd(
                        User.newBuilder().setName(ByteString.copyFromUtf8(r.getName()))
                                .setPassword(ByteString.copyFrom(hash))
                                .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword)))));
    }

    public CompletableFuture<AuthUserDeleteResponse> userDelete(AuthUserDeleteRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setUserDelete(r.getName()));
    }

    public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthUserChangePasswordRequest r,
            String token) {
        return CompletableFuture.supplyAsync(() -> PasswordHash.hash(r.getPassword(), hashCost), hashing)
                .thenCompose(hash -> command(token, AuthCommand.newBuilder().setUserChangePassword(User.newBuilder()
                        .setName(ByteString.copyFromUtf8(r.getName())).setPassword(ByteString.copyFrom(hash)))));
    }

    public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthUserGrantRoleRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setUserGrantRole(r));
    }

    public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthUserRevokeRoleRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setUserRevokeRole(r));
    }

    public CompletableFuture<AuthRoleAddResponse> roleAdd(AuthRoleAddRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setRoleAdd(r.getName()));
    }

    public CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthRoleDeleteRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setRoleDelete(r.getRole()));
    }

    public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest r,
            String token) {
        return command(token, AuthCommand.newBuilder().setRoleGrantPermission(r));
    }

    public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(
            AuthRoleRevokePermissionRequest r, String token) {
        return command(token, AuthCommand.newBuilder().setRoleRevokePermission(r));
    }

    /** etcd's UserGet: the root role, or the user asking about itself; linearizable. */
    public CompletableFuture<AuthUserGetResponse> userGet(AuthUserGetRequest r, String token) {
        return query(token, (who, state) -> {
            if (!r.getName().equals(who.getUsername())) {
                state.checkAdmin(who);
            }
            User u = state.user(r.getName());
            if (u == null) {
                throw KvErrors.userNotFound();
            }
            return AuthUserGetResponse.newBuilder().setHeader(store.header(store.revision()))
                    .addAllRoles(u.getRolesList()).build();
        });
    }

    /** etcd's UserList (root role); names in order. */
    public CompletableFuture<AuthUserListResponse> userList(String token) {
        return query(token, (who, state) -> {
            state.checkAdmin(who);
            return AuthUserListResponse.newBuilder().setHeader(store.header(store.revision()))
                    .addAllUsers(state.users().keySet()).build();
        });
    }

    /** etcd's RoleGet: the root role, or a user holding the role asked about. */
    public CompletableFuture<AuthRoleGetResponse> roleGet(AuthRoleGetRequest r, String token) {
        return query(token, (who, state) -> {
            if (!state.hasRole(who.getUsername(), r.getRole())) {
                state.checkAdmin(who);
            }
            io.cairn.kv.proto.auth.Role role = state.role(r.getRole());
            if (role == null) {
                throw KvErrors.roleNotFound();
            }
            return AuthRoleGetResponse.newBuilder().setHeader(store.header(store.revision()))
                    .addAllPerm(role.getKeyPermissionList()).build();
        });
    }

    /** etcd's RoleList (root role); names in order. */
    public CompletableFuture<AuthRoleListResponse> roleList(String token) {
        return query(token, (who, state) -> {
            state.checkAdmin(who);
            return AuthRoleListResponse.newBuilder().setHeader(store.header(store.revision()))
                    .addAllRoles(state.roles().keySet()).build();
        });
    }

    private interface Query<T> {
        T answer(AuthHeader who, AuthState state);
    }

    /** etcd sends these reads through the log; a read index gives the same answer without a log entry. */
    private <T> CompletableFuture<T> query(String token, Query<T> q) {
        return caller(token).thenCompose(who -> store.read(false, () -> q.answer(who, state())));
    }

    private <T extends Message> CompletableFuture<T> command(String token, AuthCommand.Builder c) {
        return caller(token).thenCompose(who -> store.write(KvCommand.newBuilder().setAuth(c).setAuthHeader(who)
                .build()));
    }
}
