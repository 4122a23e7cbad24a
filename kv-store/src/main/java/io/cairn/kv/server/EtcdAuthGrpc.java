package io.cairn.kv.server;

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
import io.cairn.kv.proto.etcd.AuthRoleListRequest;
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
import io.cairn.kv.proto.etcd.AuthUserListRequest;
import io.cairn.kv.proto.etcd.AuthUserListResponse;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleRequest;
import io.cairn.kv.proto.etcd.AuthUserRevokeRoleResponse;
import io.cairn.kv.proto.etcd.AuthenticateRequest;
import io.cairn.kv.proto.etcd.AuthenticateResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;

/**
 * The gRPC descriptors of etcd's {@code service Auth}, written by hand as {@link EtcdKvGrpc} is (the full method names
 * are what etcdctl and jetcd call: {@code etcdserverpb.Auth/Authenticate} and so on). Immutable; any thread.
 */
public final class EtcdAuthGrpc {
    private EtcdAuthGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Auth";

    public static final MethodDescriptor<AuthEnableRequest, AuthEnableResponse> AUTH_ENABLE =
            unary("AuthEnable", AuthEnableRequest.getDefaultInstance(), AuthEnableResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthDisableRequest, AuthDisableResponse> AUTH_DISABLE =
            unary("AuthDisable", AuthDisableRequest.getDefaultInstance(), AuthDisableResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthenticateRequest, AuthenticateResponse> AUTHENTICATE =
            unary("Authenticate", AuthenticateRequest.getDefaultInstance(), AuthenticateResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserAddRequest, AuthUserAddResponse> USER_ADD =
            unary("UserAdd", AuthUserAddRequest.getDefaultInstance(), AuthUserAddResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserGetRequest, AuthUserGetResponse> USER_GET =
            unary("UserGet", AuthUserGetRequest.getDefaultInstance(), AuthUserGetResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserListRequest, AuthUserListResponse> USER_LIST =
            unary("UserList", AuthUserListRequest.getDefaultInstance(), AuthUserListResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserDeleteRequest, AuthUserDeleteResponse> USER_DELETE =
            unary("UserDelete", AuthUserDeleteRequest.getDefaultInstance(),
                    AuthUserDeleteResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserChangePasswordRequest, AuthUserChangePasswordResponse>
            USER_CHANGE_PASSWORD =
            unary("UserChangePassword", AuthUserChangePasswordRequest.getDefaultInstance(),
                    AuthUserChangePasswordResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserGrantRoleRequest, AuthUserGrantRoleResponse> USER_GRANT_ROLE =
            unary("UserGrantRole", AuthUserGrantRoleRequest.getDefaultInstance(),
                    AuthUserGrantRoleResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse> USER_REVOKE_ROLE =
            unary("UserRevokeRole", AuthUserRevokeRoleRequest.getDefaultInstance(),
                    AuthUserRevokeRoleResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleAddRequest, AuthRoleAddResponse> ROLE_ADD =
            unary("RoleAdd", AuthRoleAddRequest.getDefaultInstance(), AuthRoleAddResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleGetRequest, AuthRoleGetResponse> ROLE_GET =
            unary("RoleGet", AuthRoleGetRequest.getDefaultInstance(), AuthRoleGetResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleListRequest, AuthRoleListResponse> ROLE_LIST =
            unary("RoleList", AuthRoleListRequest.getDefaultInstance(), AuthRoleListResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleDeleteRequest, AuthRoleDeleteResponse> ROLE_DELETE =
            unary("RoleDelete", AuthRoleDeleteRequest.getDefaultInstance(),
                    AuthRoleDeleteResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleGrantPermissionRequest, AuthRoleGrantPermissionResponse>
            ROLE_GRANT_PERMISSION =
            unary("RoleGrantPermission", AuthRoleGrantPermissionRequest.getDefaultInstance(),
                    AuthRoleGrantPermissionResponse.getDefaultInstance());

    public static final MethodDescriptor<AuthRoleRevokePermissionRequest, AuthRoleRevokePermissionResponse>
            ROLE_REVOKE_PERMISSION =
            unary("RoleRevokePermission", AuthRoleRevokePermissionRequest.getDefaultInstance(),
                    AuthRoleRevokePermissionResponse.getDefaultInstance());

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(AUTH_ENABLE)
            .addMethod(AUTH_DISABLE)
            .addMethod(AUTHENTICATE)
            .addMethod(USER_ADD)
            .addMethod(USER_GET)
            .addMethod(USER_LIST)
            .addMethod(USER_DELETE)
            .addMethod(USER_CHANGE_PASSWORD)
            .addMethod(USER_GRANT_ROLE)
            .addMethod(USER_REVOKE_ROLE)
            .addMethod(ROLE_ADD)
            .addMethod(ROLE_GET)
            .addMethod(ROLE_LIST)
            .addMethod(ROLE_DELETE)
            .addMethod(ROLE_GRANT_PERMISSION)
            .addMethod(ROLE_REVOKE_PERMISSION)
            .build();

    private static <Q extends com.google.protobuf.Message, R extends com.google.protobuf.Message>
            MethodDescriptor<Q, R> unary(String name, Q request, R response) {
        return GrpcCalls.method(SERVICE_NAME, name, MethodType.UNARY, request, response);
    }
}
