package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.kv.auth.SimpleTokens;
import io.cairn.kv.proto.AuthCommand;
import io.cairn.kv.proto.AuthHeader;
import io.cairn.kv.proto.auth.Permission;
import io.cairn.kv.proto.auth.Role;
import io.cairn.kv.proto.auth.User;
import io.cairn.kv.proto.etcd.AuthDisableResponse;
import io.cairn.kv.proto.etcd.AuthEnableResponse;
import io.cairn.kv.proto.etcd.AuthRoleAddResponse;
import io.cairn.kv.proto.etcd.AuthRoleDeleteResponse;
import io.cairn.kv.proto.etcd.AuthRoleGrantPermissionRequest;
import io.cairn.kv.proto.etcd.AuthRoleGrantPermissionResponse;
import io.cairn.kv.proto.etcd.AuthRoleRevokePermissionRequest;
import io.cairn.kv.proto.etcd.AuthRoleRevokePermissionResponse;
import io.cairn.kv.proto.etcd.AuthUserAddResponse;
import io.cairn.kv.proto.etcd.AuthUserChangePasswordResponse;
import io.cairn.kv.proto.etcd.AuthUserDeleteResponse;
import io.cairn.kv.proto.etcd.AuthUserGrantRoleResponse;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleResponse;
import io.cairn.kv.proto.etcd.AuthenticateResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies one {@link AuthCommand} to the auth records with etcd 3.4's rules ({@code auth/store.go}, and
 * {@code etcdserver/apply_auth.go} for who may ask), so that every replica decides alike from the records alone
 * (decision 0024):
 *
 * <ul>
 *   <li>every change but Authenticate needs the root role while auth is enabled ({@link AuthState#checkAdmin});
 *   <li>enable: needs a user {@code root} ("root user does not exist") holding the role {@code root} ("root user does
 *       not have root role"); enabling twice changes nothing; the auth revision stays;
 *   <li>disable: disabling twice changes nothing;
 *   <li>users: a name must not be empty ("user name is empty") nor taken ("user name already exists"); an unknown
 *       one is "user name not found"; {@code root} cannot be deleted, nor lose the role {@code root}, while auth is
 *       enabled ("invalid auth management"); granting a role a user holds changes nothing; the role {@code root}
 *       may be granted without existing; revoking one not held is "role is not granted to the user";
 *   <li>roles: an empty name is "role name is empty", a taken one "role name already exists", an unknown one "role
 *       name not found"; {@code root} cannot be deleted while enabled; deleting a role takes it from every user;
 *       granting a permission for a key and range end the role has changes its type; revoking one it lacks is
 *       "permission is not granted to the role"; permissions are kept sorted by key;
 *   <li>Authenticate: refused while auth is disabled ("authentication is not enabled") and for an unknown or
 *       password-less user ("authentication failed, invalid user ID or password"); the token is
 *       {@code <prefix>.<index>} ({@link SimpleTokens}).
 * </ul>
 *
 * <p>Every change that takes effect moves the auth revision by one (enable excepted, as in etcd); none moves the
 * store's revision. Apply thread only.
 */
final class AuthChanges {
    private AuthChanges() {}

    static Message apply(AuthCommand c, AuthHeader who, AuthState auth, WriteTxn w, long index) {
        if (c.getChangeCase() != AuthCommand.ChangeCase.AUTHENTICATE) {
            auth.checkAdmin(who);
        }
        ResponseHeader header = ResponseHeader.newBuilder().setRevision(w.revision()).build();
        switch (c.getChangeCase()) {
            case ENABLE -> {
                if (!auth.enabled()) {
                    User root = auth.user(AuthState.ROOT);
                    if (root == null) {
                        throw KvErrors.rootUserNotExist();
                    }
                    if (!root.getRolesList().contains(AuthState.ROOT)) {
                        throw KvErrors.rootRoleNotExist();
                    }
                    AuthTable.writeEnabled(w, true);
                }
                return AuthEnableResponse.newBuilder().setHeader(header).build();
            }
            case DISABLE -> {
                if (auth.enabled()) {
                    AuthTable.writeEnabled(w, false);
                    bump(w, auth);
                }
                return AuthDisableResponse.newBuilder().setHeader(header).build();
            }
            case AUTHENTICATE -> {
                return authenticate(c, auth, header, index);
            }
            case USER_ADD -> {
                userAdd(c.getUserAdd(), auth, w);
                return AuthUserAddResponse.newBuilder().setHeader(header).build();
            }
            case USER_DELETE -> {
                String name = c.getUserDelete();
                if (auth.enabled() && name.equals(AuthState.ROOT)) {
                    throw KvErrors.invalidAuthMgmt();
                }
                existingUser(auth, name);
                AuthTable.deleteUser(w, name);
                bump(w, auth);
                return AuthUserDeleteResponse.newBuilder().setHeader(header).build();
            }
            case USER_CHANGE_PASSWORD -> {
                User u = existingUser(auth, c.getUserChangePassword().getName().toStringUtf8());
                AuthTable.putUser(w, u.toBuilder().setPassword(c.getUserChangePassword().getPassword()).build());
                bump(w, auth);
                return AuthUserChangePasswordResponse.newBuilder().setHeader(header).build();
            }
            case USER_GRANT_ROLE -> {
                grantRole(c.getUserGrantRole().getUser(), c.getUserGrantRole().getRole(), auth, w);
                return AuthUserGrantRoleResponse.newBuilder().setHeader(header).build();
            }
            case USER_REVOKE_ROLE -> {
                revokeRole(c.getUserRevokeRole().getName(), c.getUserRevokeRole().getRole(), auth, w);
                return AuthUserRevokeRoleResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_ADD -> {
                String name = c.getRoleAdd();
                if (name.isEmpty()) {
                    throw KvErrors.roleEmpty();
                }
                if (auth.role(name) != null) {
                    throw KvErrors.roleAlreadyExist();
                }
                AuthTable.putRole(w, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
                bump(w, auth);
                return AuthRoleAddResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_DELETE -> {
                roleDelete(c.getRoleDelete(), auth, w);
                return AuthRoleDeleteResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_GRANT_PERMISSION -> {
                grantPermission(c.getRoleGrantPermission(), auth, w);
                return AuthRoleGrantPermissionResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_REVOKE_PERMISSION -> {
                revokePermission(c.getRoleRevokePermission(), auth, w);
                return AuthRoleRevokePermissionResponse.newBuilder().setHeader(header).build();
            }
            case CHANGE_NOT_SET -> throw KvErrors.malformedCommand("an auth command with no change");
            default -> throw KvErrors.malformedCommand("unknown auth change " + c.getChangeCase());
        }
    }

    private static void bump(WriteTxn w, AuthState auth) {
        AuthTable.writeRevision(w, auth.revision() + 1);
    }

    private static AuthenticateResponse authenticate(AuthCommand c, AuthState auth, ResponseHeader header,
            long index) {
        if (!auth.enabled()) {
            throw KvErrors.authNotEnabled();
        }
        User u = auth.user(c.getAuthenticate().getName());
        if (u == null || u.getOptions().getNoPassword()) {
            throw KvErrors.authFailed();
        }
        return AuthenticateResponse.newBuilder().setHeader(header)
                .setToken(SimpleTokens.token(c.getAuthenticate().getTokenPrefix(), index)).build();
    }

    private static void userAdd(User u, AuthState auth, WriteTxn w) {
        String name = u.getName().toStringUtf8();
        if (name.isEmpty()) {
            throw KvErrors.userEmpty();
        }
        if (auth.user(name) != null) {
            throw KvErrors.userAlreadyExist();
        }
        AuthTable.putUser(w, User.newBuilder().setName(u.getName()).setPassword(u.getPassword())
                .setOptions(u.getOptions()).build());
        bump(w, auth);
    }

    private static User existingUser(AuthState auth, String name) {
        User u = auth.user(name);
        if (u == null) {
            throw KvErrors.userNotFound();
        }
        return u;
    }

    private static void grantRole(String user, String role, AuthState auth, WriteTxn w) {
        User u = existingUser(auth, user);
        if (!role.equals(AuthState.ROOT) && auth.role(role) == null) {
            throw KvErrors.roleNotFound();
        }
        if (u.getRolesList().contains(role)) {
            return; // etcd: granted already, nothing changes
        }
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.add(role);
        roles.sort(null);
        AuthTable.putUser(w, u.toBuilder().clearRoles().addAllRoles(roles).build());
        bump(w, auth);
    }

    private static void revokeRole(String user, String role, AuthState auth, WriteTxn w) {
        if (auth.enabled() && user.equals(AuthState.ROOT) && role.equals(AuthState.ROOT)) {
            throw KvErrors.invalidAuthMgmt();
        }
        User u = existingUser(auth, user);
        List<String> roles = new ArrayList<>(u.getRolesList());
        if (!roles.removeIf(role::equals)) {
            throw KvErrors.roleNotGranted();
        }
        AuthTable.putUser(w, u.toBuilder().clearRoles().addAllRoles(roles).build());
        bump(w, auth);
    }

    private static void roleDelete(String name, AuthState auth, WriteTxn w) {
        if (auth.enabled() && name.equals(AuthState.ROOT)) {
            throw KvErrors.invalidAuthMgmt();
        }
        if (auth.role(name) == null) {
            throw KvErrors.roleNotFound();
        }
        AuthTable.deleteRole(w, name);
        for (User u : auth.users().values()) {
            if (u.getRolesList().contains(name)) {
                List<String> roles = new ArrayList<>(u.getRolesList());
                roles.removeIf(name::equals);
                AuthTable.putUser(w, u.toBuilder().clearRoles().addAllRoles(roles).build());
            }
        }
        bump(w, auth);
    }

    private static void grantPermission(AuthRoleGrantPermissionRequest r, AuthState auth, WriteTxn w) {
        Role role = auth.role(r.getName());
        if (role == null) {
            throw KvErrors.roleNotFound();
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        Permission wanted = Permission.newBuilder().setPermType(r.getPerm().getPermType()).setKey(r.getPerm().getKey())
                .setRangeEnd(r.getPerm().getRangeEnd()).build();
        boolean updated = false;
        for (int i = 0; i < perms.size(); i++) {
            Permission p = perms.get(i);
            if (p.getKey().equals(wanted.getKey()) && p.getRangeEnd().equals(wanted.getRangeEnd())) {
                perms.set(i, wanted);
                updated = true;
            }
        }
        if (!updated) {
            perms.add(wanted);
            perms.sort((a, b) -> Arrays.compareUnsigned(a.getKey().toByteArray(), b.getKey().toByteArray()));
        }
        AuthTable.putRole(w, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
        bump(w, auth);
    }

    private static void revokePermission(AuthRoleRevokePermissionRequest r, AuthState auth, WriteTxn w) {
        Role role = auth.role(r.getRole());
        if (role == null) {
            throw KvErrors.roleNotFound();
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        if (!perms.removeIf(p -> p.getKey().equals(r.getKey()) && p.getRangeEnd().equals(r.getRangeEnd()))) {
            throw KvErrors.permissionNotGranted();
        }
        AuthTable.putRole(w, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
        bump(w, auth);
    }
}
