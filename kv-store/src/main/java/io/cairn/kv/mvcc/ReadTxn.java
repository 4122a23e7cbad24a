package io.cairn.kv.mvcc;

import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.ResponseOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.util.List;

/**
 * A Txn without writes, served on one consistent view of the store rather than through the log (etcd serves a
 * read-only Txn the same way): the compares choose the branch, then its ranges and nested Txns run in order, all
 * at the view's revision. Nothing changes, so the answer is the one the log would have given at that revision;
 * a range at a compacted or future revision fails the whole Txn with etcd's error, as when applied.
 *
 * <p>Whether a Txn writes is decided by {@link #hasWrites}, etcd's {@code !isTxnReadonly}. One thread, as its view.
 */
final class ReadTxn {
    private final Scanner scanner;
    private final RangeExecutor ranges;
    private final long revision;
    private final long compactedRevision;

    ReadTxn(Scanner scanner, RangeExecutor ranges, long revision, long compactedRevision) {
        this.scanner = scanner;
        this.ranges = ranges;
        this.revision = revision;
        this.compactedRevision = compactedRevision;
    }

    TxnResponse run(TxnRequest t) {
        return branch(t).setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
    }

    private TxnResponse.Builder branch(TxnRequest t) {
        boolean succeeded = Compares.all(t.getCompareList(), scanner, revision);
        TxnResponse.Builder out = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(ranges.execute(op.getRequestRange(), revision,
                        compactedRevision));
                case REQUEST_TXN -> r.setResponseTxn(branch(op.getRequestTxn())
                        .setHeader(ResponseHeader.getDefaultInstance()));
                case REQUEST_PUT, REQUEST_DELETE_RANGE -> throw new IllegalArgumentException("a write in a read-only Txn");
                case REQUEST_NOT_SET -> { }
            }
            out.addResponses(r);
        }
        return out;
    }

    /**
     * etcd's {@code !isTxnReadonly}: a put or delete in either branch, nested Txns included. The recursion is
     * bounded: protobuf refuses messages nested deeper than 100 levels, and each nested Txn takes two.
     */
    static boolean hasWrites(TxnRequest txn) {
        return hasWrites(txn.getSuccessList()) || hasWrites(txn.getFailureList());
    }

    private static boolean hasWrites(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT, REQUEST_DELETE_RANGE -> {
                    return true;
                }
                case REQUEST_TXN -> {
                    if (hasWrites(op.getRequestTxn())) {
                        return true;
                    }
                }
                case REQUEST_RANGE, REQUEST_NOT_SET -> { }
            }
        }
        return false;
    }

    /**
     * etcd's {@code isTxnSerializable} (every op of both branches is a serializable range), except that a Txn with no
     * op at all is not: etcd would answer its compares from a member's possibly stale state although nobody asked
     * for a serializable read. Stricter than etcd, never weaker.
     */
    static boolean serializable(TxnRequest txn) {
        if (txn.getSuccessCount() + txn.getFailureCount() == 0) {
            return false;
        }
        for (List<RequestOp> ops : List.of(txn.getSuccessList(), txn.getFailureList())) {
            for (RequestOp op : ops) {
                if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) {
                    return false;
                }
            }
        }
        return true;
    }
}
