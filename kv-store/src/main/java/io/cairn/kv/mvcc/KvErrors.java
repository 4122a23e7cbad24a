package io.cairn.kv.mvcc;

import io.cairn.kv.mvcc.KvException.Code;

/**
 * etcd's KV error answers, with etcd's gRPC codes and exact texts (etcd {@code api/v3rpc/rpctypes}), so that
 * etcdctl and jetcd recognise them. Cairn's own errors (no etcd counterpart) start with "cairn:" and say what to do.
 */
public final class KvErrors {
    private KvErrors() {}

    public static final String EMPTY_KEY = "etcdserver: key is not provided";
    public static final String KEY_NOT_FOUND = "etcdserver: key not found";
    public static final String VALUE_PROVIDED = "etcdserver: value is provided";
    public static final String LEASE_PROVIDED = "etcdserver: lease is provided";
    public static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
    public static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";
    public static final String REQUEST_TOO_LARGE = "etcdserver: request is too large";
    public static final String INVALID_SORT_OPTION = "etcdserver: invalid sort option";
    public static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    public static final String FUTURE_REVISION = "etcdserver: mvcc: required revision is a future revision";
    public static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
    public static final String LEASE_EXISTS = "etcdserver: lease already exists";
    public static final String LEASE_TTL_TOO_LARGE = "etcdserver: too large lease TTL";

    public static final String MEMBER_EXISTS = "etcdserver: member ID already exist";
    public static final String PEER_URL_EXISTS = "etcdserver: Peer URLs already exists";
    public static final String MEMBER_NOT_FOUND = "etcdserver: member not found";
    public static final String MEMBER_NOT_LEARNER = "etcdserver: can only promote a learner member";
    public static final String LEARNER_NOT_READY =
            "etcdserver: can only promote a learner member which is in sync with leader";
    public static final String TOO_MANY_LEARNERS = "etcdserver: too many learner members in cluster";
    public static final String MEMBER_BAD_URLS = "etcdserver: given member URLs are invalid";
    public static final String NOT_ENOUGH_STARTED_MEMBERS =
            "etcdserver: re-configuration failed due to not enough started members";

    public static final String ROOT_USER_NOT_EXIST = "etcdserver: root user does not exist";
    public static final String ROOT_ROLE_NOT_EXIST = "etcdserver: root user does not have root role";
    public static final String USER_ALREADY_EXIST = "etcdserver: user name already exists";
    public static final String USER_EMPTY = "etcdserver: user name is empty";
    public static final String USER_NOT_FOUND = "etcdserver: user name not found";
    public static final String ROLE_ALREADY_EXIST = "etcdserver: role name already exists";
    public static final String ROLE_NOT_FOUND = "etcdserver: role name not found";
    public static final String ROLE_EMPTY = "etcdserver: role name is empty";
    public static final String AUTH_FAILED = "etcdserver: authentication failed, invalid user ID or password";
    public static final String PERMISSION_DENIED = "etcdserver: permission denied";
    public static final String ROLE_NOT_GRANTED = "etcdserver: role is not granted to the user";
    public static final String PERMISSION_NOT_GRANTED = "etcdserver: permission is not granted to the role";
    public static final String AUTH_NOT_ENABLED = "etcdserver: authentication is not enabled";
    public static final String INVALID_AUTH_TOKEN = "etcdserver: invalid auth token";
    public static final String INVALID_AUTH_MGMT = "etcdserver: invalid auth management";
    public static final String AUTH_OLD_REVISION = "etcdserver: revision of auth store is old";
    /** etcd 3.4 has no gRPC error for this one and answers Unknown with its internal text. */
    public static final String NO_PASSWORD_USER =
            "auth: authentication failed, password was given for no password user";

    public static KvException rootUserNotExist() {
        return new KvException(Code.FAILED_PRECONDITION, ROOT_USER_NOT_EXIST);
    }

    public static KvException rootRoleNotExist() {
        return new KvException(Code.FAILED_PRECONDITION, ROOT_ROLE_NOT_EXIST);
    }

    public static KvException userAlreadyExist() {
        return new KvException(Code.FAILED_PRECONDITION, USER_ALREADY_EXIST);
    }

    public static KvException userEmpty() {
        return new KvException(Code.INVALID_ARGUMENT, USER_EMPTY);
    }

    public static KvException userNotFound() {
        return new KvException(Code.FAILED_PRECONDITION, USER_NOT_FOUND);
    }

    public static KvException roleAlreadyExist() {
        return new KvException(Code.FAILED_PRECONDITION, ROLE_ALREADY_EXIST);
    }

    public static KvException roleNotFound() {
        return new KvException(Code.FAILED_PRECONDITION, ROLE_NOT_FOUND);
    }

    public static KvException roleEmpty() {
        return new KvException(Code.INVALID_ARGUMENT, ROLE_EMPTY);
    }

    public static KvException authFailed() {
        return new KvException(Code.INVALID_ARGUMENT, AUTH_FAILED);
    }

    public static KvException permissionDenied() {
        return new KvException(Code.PERMISSION_DENIED, PERMISSION_DENIED);
    }

    public static KvException roleNotGranted() {
        return new KvException(Code.FAILED_PRECONDITION, ROLE_NOT_GRANTED);
    }

    public static KvException permissionNotGranted() {
        return new KvException(Code.FAILED_PRECONDITION, PERMISSION_NOT_GRANTED);
    }

    public static KvException authNotEnabled() {
        return new KvException(Code.FAILED_PRECONDITION, AUTH_NOT_ENABLED);
    }

    public static KvException invalidAuthToken() {
        return new KvException(Code.UNAUTHENTICATED, INVALID_AUTH_TOKEN);
    }

    public static KvException invalidAuthMgmt() {
        return new KvException(Code.INVALID_ARGUMENT, INVALID_AUTH_MGMT);
    }

    public static KvException authOldRevision() {
        return new KvException(Code.INVALID_ARGUMENT, AUTH_OLD_REVISION);
    }

    public static KvException noPasswordUser() {
        return new KvException(Code.UNKNOWN, NO_PASSWORD_USER);
    }

    public static KvException emptyKey() {
        return new KvException(Code.INVALID_ARGUMENT, EMPTY_KEY);
    }

    public static KvException keyNotFound() {
        return new KvException(Code.INVALID_ARGUMENT, KEY_NOT_FOUND);
    }

    public static KvException valueProvided() {
        return new KvException(Code.INVALID_ARGUMENT, VALUE_PROVIDED);
    }

    public static KvException leaseProvided() {
        return new KvException(Code.INVALID_ARGUMENT, LEASE_PROVIDED);
    }

    public static KvException tooManyOps() {
        return new KvException(Code.INVALID_ARGUMENT, TOO_MANY_OPS);
    }

    /** A RequestOp with no request in it: etcd answers as for a missing key. */
    public static KvException emptyOp() {
        return new KvException(Code.INVALID_ARGUMENT, "etcdserver: key not found");
    }

    public static KvException duplicateKey() {
        return new KvException(Code.INVALID_ARGUMENT, DUPLICATE_KEY);
    }

    public static KvException requestTooLarge() {
        return new KvException(Code.INVALID_ARGUMENT, REQUEST_TOO_LARGE);
    }

    public static KvException invalidSortOption() {
        return new KvException(Code.INVALID_ARGUMENT, INVALID_SORT_OPTION);
    }

    public static KvException compacted() {
        return new KvException(Code.OUT_OF_RANGE, COMPACTED);
    }

    public static KvException futureRevision() {
        return new KvException(Code.OUT_OF_RANGE, FUTURE_REVISION);
    }

    public static KvException leaseExists() {
        return new KvException(Code.FAILED_PRECONDITION, LEASE_EXISTS);
    }

    public static KvException leaseTtlTooLarge() {
        return new KvException(Code.OUT_OF_RANGE, LEASE_TTL_TOO_LARGE);
    }

    public static KvException leaseNotFound() {
        return new KvException(Code.NOT_FOUND, LEASE_NOT_FOUND);
    }

    /** etcd's ErrGRPCMemberExist: MemberAdd with an ID the cluster has. */
    public static KvException memberExists() {
        return new KvException(Code.FAILED_PRECONDITION, MEMBER_EXISTS);
    }

    /** etcd's ErrGRPCPeerURLExist: a peer URL another member has. */
    public static KvException peerUrlExists() {
        return new KvException(Code.FAILED_PRECONDITION, PEER_URL_EXISTS);
    }

    /** etcd's ErrGRPCMemberNotFound: no such member (or one removed, whose ID never comes back). */
    public static KvException memberNotFound() {
        return new KvException(Code.NOT_FOUND, MEMBER_NOT_FOUND);
    }

    /** etcd's ErrGRPCMemberNotLearner: MemberPromote of a voter. */
    public static KvException memberNotLearner() {
        return new KvException(Code.FAILED_PRECONDITION, MEMBER_NOT_LEARNER);
    }

    /** etcd's ErrGRPCLearnerNotReady: MemberPromote of a learner that has not caught up with the leader. */
    public static KvException learnerNotReady() {
        return new KvException(Code.FAILED_PRECONDITION, LEARNER_NOT_READY);
    }

    /** etcd's ErrGRPCTooManyLearners: etcd 3.4 allows one learner at a time. */
    public static KvException tooManyLearners() {
        return new KvException(Code.FAILED_PRECONDITION, TOO_MANY_LEARNERS);
    }

    /** etcd's ErrGRPCMemberBadURLs: peer URLs that are not {@code http(s)://host:port}. */
    public static KvException memberBadUrls() {
        return new KvException(Code.INVALID_ARGUMENT, MEMBER_BAD_URLS);
    }

    /** etcd's ErrMemberNotEnoughStarted: the change would leave fewer started voters than a quorum. */
    public static KvException notEnoughStartedMembers() {
        return new KvException(Code.FAILED_PRECONDITION, NOT_ENOUGH_STARTED_MEMBERS);
    }

    /** etcd's ErrGRPCNoSpace: a write while a NOSPACE alarm is raised, or one that would pass the space quota. */
    public static KvException noSpace() {
        return new KvException(Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
    }

    /** A command whose bytes are not a {@code KvCommand} (or carry no operation). */
    public static KvException malformedCommand(String why) {
        return new KvException(Code.INVALID_ARGUMENT, "cairn: malformed KV command: " + why);
    }

    /** A Range whose answer would pass {@link KvLimits#rangeResponseBytesMax()}. */
    public static KvException rangeTooLarge(long bytesMax) {
        return new KvException(Code.RESOURCE_EXHAUSTED,
                "cairn: range response larger than " + bytesMax + " bytes; narrow the range or set a limit");
    }

    /** A directory listing whose prefix does not end with the separator. */
    public static KvException badDirectoryPrefix() {
        return new KvException(Code.INVALID_ARGUMENT, "cairn: directory prefix must be non-empty and end with '/'");
    }
}
