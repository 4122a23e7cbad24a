package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks that need no state: done by the server before it proposes a request (so a bad request never reaches
 * the log), and done again at apply (so a command that got into the log anyway is refused the same way on every
 * replica). They are etcd's {@code v3rpc} checks, in etcd's order, with etcd's errors.
 *
 * <p>The state-dependent checks (revisions compacted or in the future, ignore_value on an absent key, unknown
 * leases) happen at apply, in {@link CommandExecutor}.
 *
 * <p>Pure functions; any thread.
 */
public final class Validation {
    private Validation() {}

    /** Checks a command as it will be proposed (its size included). */
    public static void checkCommand(KvCommand command, KvLimits limits) {
        checkSize(command.getSerializedSize(), limits);
        switch (command.getOpCase()) {
            case PUT -> checkPut(command.getPut());
            case DELETE_RANGE -> checkDeleteRange(command.getDeleteRange());
            case TXN -> checkTxn(command.getTxn(), limits);
            case COMPACTION, LEASE_REVOKE, LEASE_KEEP_ALIVE -> { }
            case LEASE_GRANT -> checkLeaseGrant(command.getLeaseGrant());
            case MEMBER -> MemberChanges.check(command.getMember());
            case OP_NOT_SET -> throw KvErrors.malformedCommand("no operation");
        }
    }

    /** etcd's {@code MaxLeaseTTL}: 9,000,000,000 seconds. */
    public static final long LEASE_TTL_MAX_SECONDS = 9_000_000_000L;

    /** A grant as proposed: a chosen ID (not 0) and a TTL within etcd's bounds. */
    public static void checkLeaseGrant(io.cairn.kv.proto.etcd.LeaseGrantRequest g) {
        if (g.getTTL() > LEASE_TTL_MAX_SECONDS) {
            throw KvErrors.leaseTtlTooLarge();
        }
        if (g.getID() == 0) {
            throw KvErrors.malformedCommand("a lease grant must carry the ID chosen for it");
        }
    }

    /** A request or command of this many bytes is refused above etcd's {@code --max-request-bytes}. */
    public static void checkSize(long bytes, KvLimits limits) {
        if (bytes > limits.requestBytesMax()) {
            throw KvErrors.requestTooLarge();
        }
    }

    public static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvErrors.emptyKey();
        }
        if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw KvErrors.invalidSortOption();
        }
    }

    public static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvErrors.emptyKey();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw KvErrors.valueProvided();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw KvErrors.leaseProvided();
        }
    }

    public static void checkDeleteRange(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvErrors.emptyKey();
        }
    }

    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

    /** The op-count and per-op checks, then the duplicate-key rule over each branch. */
    public static void checkTxn(TxnRequest r, KvLimits limits) {
        checkTxnOps(r, limits.txnOpsMax());
        // After the op checks, as etcd does, so that the overlap check never runs on an oversized request.
        checkNoOverlap(r.getSuccessList());
        checkNoOverlap(r.getFailureList());
    }

    /** etcd's budget: a nested Txn may use what its parent's longest list leaves of {@code opsMax}. */
    private static void checkTxnOps(TxnRequest r, int opsMax) {
        int longest = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (longest > opsMax) {
            throw KvErrors.tooManyOps();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw KvErrors.emptyKey();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkOp(op, opsMax - longest);
        }
        for (RequestOp op : r.getFailureList()) {
            checkOp(op, opsMax - longest);
        }
    }

    private static void checkOp(RequestOp op, int opsMax) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDeleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnOps(op.getRequestTxn(), opsMax);
            case REQUEST_NOT_SET -> throw KvErrors.emptyOp();
        }
    }

    /** The keys a branch puts and the ranges it deletes, nested branches included. */
    private record Writes(Set<ByteString> puts, List<KeyInterval> deletes) {}

    private static void checkNoOverlap(List<RequestOp> ops) {
        writesOf(ops);
    }

    /**
     * etcd's {@code checkIntervals}: in one branch, no key is put twice and no put falls inside a delete of the
     * same branch (nested branches included). A put in both branches of one nested Txn is allowed (only one runs);
     * deletes may overlap each other. As in etcd, a nested Txn's puts are checked against the deletes of this level
     * and of the nested Txns before it, and this level's puts against every delete.
     */
    private static Writes writesOf(List<RequestOp> ops) {
        List<KeyInterval> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                // etcd's check takes range_end "\0" as the interval [key, "\0"), which holds no key: such a delete
                // (of every key from key on) conflicts with no put of its Txn there, and so not here
                if (!d.getRangeEnd().equals(FROM_KEY)) {
                    deletes.add(KeyInterval.of(d.getKey(), d.getRangeEnd()));
                }
            }
        }
        Set<ByteString> puts = new HashSet<>();
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Writes then = writesOf(op.getRequestTxn().getSuccessList());
            Writes otherwise = writesOf(op.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (puts.contains(k) || covers(deletes, k)) {
                    throw KvErrors.duplicateKey();
                }
            }
            for (ByteString k : otherwise.puts()) {
                if ((puts.contains(k) && !then.puts().contains(k)) || covers(deletes, k)) {
                    throw KvErrors.duplicateKey();
                }
            }
            puts.addAll(then.puts());
            puts.addAll(otherwise.puts());
            deletes.addAll(then.deletes());
            deletes.addAll(otherwise.deletes());
        }
        for (RequestOp op : ops) {
            if (!op.hasRequestPut()) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (!puts.add(k) || covers(deletes, k)) {
                throw KvErrors.duplicateKey();
            }
        }
        return new Writes(puts, deletes);
    }

    private static boolean covers(List<KeyInterval> deletes, ByteString key) {
        for (KeyInterval d : deletes) {
            if (d.contains(key)) {
                return true;
            }
        }
        return false;
    }
}
