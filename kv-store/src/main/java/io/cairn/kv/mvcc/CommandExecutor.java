package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import com.google.protobuf.Message;
import io.cairn.kv.proto.AuthHeader;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.AlarmMember;
import io.cairn.kv.proto.etcd.AlarmRequest;
import io.cairn.kv.proto.etcd.AlarmResponse;
import io.cairn.kv.proto.etcd.AlarmType;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.ResponseOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Applies one {@link KvCommand} to the open write batch, with etcd's apply semantics, and says what it did.
 *
 * <p>Every state-dependent check of a command (revisions compacted or in the future, ignore_value or ignore_lease
 * on an absent key, a lease that does not exist) runs before its first write, so a refused command changes
 * nothing; the caller also rolls the batch back to the command's save point on any {@link KvException}. The
 * decisions depend only on the state and the command, so every replica decides the same.
 *
 * <p>Txn, as etcd runs it: the compares of the Txn and of every nested Txn on the chosen path are evaluated first,
 * against the store as the Txn found it (so a nested Txn's compares do not see the writes of the ops before it);
 * then the ops of the chosen path are checked; then they run in order, each seeing the writes of those before it,
 * all at one new revision. A nested Txn's response carries an empty header, as in etcd.
 *
 * <p>Leases ({@link LeaseTable}): a grant records a lease (no revision), a put with a lease needs it to exist and
 * attaches the key (moving it off its old lease), a delete detaches it, a revoke deletes every attached key at one
 * new revision (one DELETE event each) and then the lease, and a keep-alive only reads the lease's TTL (0 when it
 * is gone): the leader's expiry clock lives outside the store.
 *
 * <p>Membership ({@link MemberChanges}): records in the meta column family, changed with etcd's rules; no revision.
 *
 * <p>Auth ({@link AuthChanges}, {@link AuthState}): records in the meta column family; while auth is enabled every
 * Put, DeleteRange, Txn and client LeaseRevoke is checked against the caller in the command's {@code auth_header}
 * before anything is written (decision 0024).
 *
 * <p>Apply thread only; one instance per write batch.
 */
final class CommandExecutor {
    /** What one command did: its response and the store's revisions after it. */
    record Outcome(Message response, long revision, long compactedRevision, boolean physicalCompaction,
            long bytesWritten) {}

    /** The branch a Txn takes, and those of the nested Txns on it ({@code nested[i]} for op i, else null). */
    private record Path(boolean succeeded, Path[] nested) {
        List<RequestOp> ops(TxnRequest t) {
            return succeeded ? t.getSuccessList() : t.getFailureList();
        }
    }

    private final Columns columns;
    private final WriteBatchWithIndex batch;
    private final Scanner scanner;
    private final RangeExecutor ranges;
    private final KvLimits limits;
    private final LeaseTable leases;
    private final AlarmTable alarms;
    /** Whether NOSPACE is raised, as this batch leaves it; null until read (or after an alarm changed). */
    private Boolean noSpace;
    /** The injected bug {@code txn-ignores-compare} (simulator only): every Txn takes its success branch. */
    private final boolean txnIgnoresCompares;

    CommandExecutor(Columns columns, WriteBatchWithIndex batch, Scanner scanner, KvLimits limits) {
        this(columns, batch, scanner, limits, false);
    }

    CommandExecutor(Columns columns, WriteBatchWithIndex batch, Scanner scanner, KvLimits limits,
            boolean txnIgnoresCompares) {
        this.txnIgnoresCompares = txnIgnoresCompares;
        this.columns = columns;
        this.batch = batch;
        this.scanner = scanner;
        this.ranges = new RangeExecutor(scanner, limits);
        this.limits = limits;
        this.leases = new LeaseTable(scanner.source(), columns);
        this.alarms = new AlarmTable(scanner.source(), columns);
    }

    /** What the executor reads through: the open batch over the store. */
    KvSource source() {
        return scanner.source();
    }

    /**
     * Applies {@code command}, the log entry at {@code index}, onto a store at {@code revision}, with {@code auth} the
     * auth records as the commands before it left them: the command's caller ({@code auth_header}) must be permitted
     * what it asks, as etcd's {@code authApplierV3} checks at apply.
     */
    Outcome execute(KvCommand command, long revision, long compactedRevision, AuthState auth, long index) {
        Validation.checkCommand(command, limits);
        AuthHeader who = command.getAuthHeader();
        WriteTxn w = new WriteTxn(columns, batch, scanner, revision);
        Message response = switch (command.getOpCase()) {
            case PUT -> {
                checkSpace();
                PutRequest p = command.getPut();
                auth.checkOp(who, p.getKey().toByteArray(), new byte[0], true);
                checkLeasePuts(auth, who, p.getLease());
                if (p.getPrevKv()) {
                    auth.checkOp(who, p.getKey().toByteArray(), new byte[0], false);
                }
                checkLease(p.getLease());
                yield put(w, p);
            }
            case DELETE_RANGE -> {
                auth.checkDelete(who, command.getDeleteRange());
                yield deleteRange(w, command.getDeleteRange());
            }
            case TXN -> {
                if (hasPuts(command.getTxn())) {
                    checkSpace();
                }
                auth.checkTxn(who, command.getTxn());
                yield txn(w, command.getTxn(), compactedRevision);
            }
            case COMPACTION -> {
                CompactionRequest c = command.getCompaction();
                checkCompaction(c.getRevision(), revision, compactedRevision);
                yield CompactionResponse.newBuilder().setHeader(header(revision)).build();
            }
            case LEASE_GRANT -> {
                checkSpace();
                yield grant(w, command.getLeaseGrant(), revision);
            }
            case LEASE_REVOKE -> {
                if (!command.getLeaseRevoke().getExpired()) {
                    checkLeasePuts(auth, who, command.getLeaseRevoke().getID());
                }
                yield revoke(w, command.getLeaseRevoke().getID());
            }
            case LEASE_KEEP_ALIVE -> {
                long id = command.getLeaseKeepAlive().getID();
                yield LeaseKeepAliveResponse.newBuilder().setHeader(header(revision)).setID(id)
                        .setTTL(Math.max(0, leases.ttl(id))).build();
            }
            case MEMBER -> MemberChanges.apply(command.getMember(), new MemberTable(scanner.source(), columns), w);
            case ALARM -> alarm(w, command.getAlarm(), revision);
            case AUTH -> AuthChanges.apply(command.getAuth(), who, auth, w, index);
            case OP_NOT_SET -> throw KvErrors.malformedCommand("no operation");
        };
        boolean compaction = command.hasCompaction();
        long compacted = compaction ? command.getCompaction().getRevision() : compactedRevision;
        Invariants.check(w.revision() == revision + (w.changed() ? 1 : 0), "revision moved by more than one");
        return new Outcome(response, w.revision(), compacted,
                compaction && command.getCompaction().getPhysical(), w.bytesWritten());
    }

    /**
     * etcd's {@code checkLeasePuts}: a caller may attach a key to a lease, or revoke it, only if it may write every
     * key the lease holds (revoking deletes them).
     */
    private void checkLeasePuts(AuthState auth, AuthHeader who, long lease) {
        if (!auth.enabled() || lease == 0 || !leases.exists(lease)) {
            return;
        }
        for (byte[] key : leases.keys(lease)) {
            auth.checkOp(who, key, new byte[0], true);
        }
    }

    /** etcd's {@code Compact}: a revision at or below the compacted one, or above the current one, is refused. */
    static void checkCompaction(long requested, long current, long compacted) {
        if (requested <= compacted) {
            throw KvErrors.compacted();
        }
        if (requested > current) {
            throw KvErrors.futureRevision();
        }
    }

    /**
     * etcd's capped applier: while any member's NOSPACE alarm is raised, a Put, a Txn with a Put in either branch
     * (nested ones included) and a LeaseGrant are refused; reads, deletes, revokes and compactions go on, so that
     * space can be freed.
     */
    private void checkSpace() {
        if (noSpace == null) {
            noSpace = alarms.any(AlarmType.NOSPACE);
        }
        if (noSpace) {
            throw KvErrors.noSpace();
        }
    }

    /** Whether a Txn could put: a Put in its success or failure list, or in a nested Txn's. */
    static boolean hasPuts(TxnRequest t) {
        for (List<RequestOp> ops : List.of(t.getSuccessList(), t.getFailureList())) {
            for (RequestOp op : ops) {
                if (op.hasRequestPut() || op.hasRequestTxn() && hasPuts(op.getRequestTxn())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * etcd's Alarm through the log: ACTIVATE raises the member's alarm (NONE raises nothing) and answers it,
     * DEACTIVATE disarms it and answers it if it was raised, GET answers the raised alarms of the type asked (NONE:
     * all).
     */
    private AlarmResponse alarm(WriteTxn w, AlarmRequest r, long revision) {
        AlarmResponse.Builder out = AlarmResponse.newBuilder().setHeader(header(revision));
        AlarmMember m = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(r.getAlarm()).build();
        switch (r.getAction()) {
            case ACTIVATE -> {
                if (r.getAlarm() != AlarmType.NONE) {
                    if (!alarms.raised(r.getMemberID(), r.getAlarm())) {
                        w.raiseAlarm(r.getMemberID(), r.getAlarmValue());
                        noSpace = null;
                    }
                    out.addAlarms(m);
                }
            }
            case DEACTIVATE -> {
                if (alarms.raised(r.getMemberID(), r.getAlarm())) {
                    w.disarmAlarm(r.getMemberID(), r.getAlarmValue());
                    noSpace = null;
                    out.addAlarms(m);
                }
            }
            default -> alarms.all().stream()
                    .filter(a -> r.getAlarm() == AlarmType.NONE || a.getAlarm() == r.getAlarm())
                    .forEach(out::addAlarms);
        }
        return out.build();
    }

    private void checkLease(long lease) {
        if (lease != 0 && !leases.exists(lease)) {
            throw KvErrors.leaseNotFound();
        }
    }

    private LeaseGrantResponse grant(WriteTxn w, LeaseGrantRequest g, long revision) {
        if (leases.exists(g.getID())) {
            throw KvErrors.leaseExists();
        }
        w.grantLease(g.getID(), g.getTTL());
        return LeaseGrantResponse.newBuilder().setHeader(header(revision)).setID(g.getID()).setTTL(g.getTTL()).build();
    }

    /** Deletes every key attached to lease {@code id} at one revision, then the lease. */
    private LeaseRevokeResponse revoke(WriteTxn w, long id) {
        if (!leases.exists(id)) {
            throw KvErrors.leaseNotFound();
        }
        for (byte[] key : leases.keys(id)) {
            KvMeta meta = scanner.current(key);
            Invariants.check(meta != null && meta.lease() == id, "key attached to lease %s has lease %s", id,
                    meta == null ? "none (absent)" : meta.lease());
            w.delete(key, id);
        }
        w.removeLease(id);
        return LeaseRevokeResponse.newBuilder().setHeader(header(w.revision())).build();
    }

    private static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }

    private PutResponse put(WriteTxn w, PutRequest p) {
        byte[] key = p.getKey().toByteArray();
        KvMeta prev = scanner.current(key);
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw KvErrors.keyNotFound();
        }
        byte[] prevValue = prev != null && (p.getPrevKv() || p.getIgnoreValue()) ? scanner.value(key, prev) : null;
        byte[] value = p.getIgnoreValue() ? prevValue : p.getValue().toByteArray();
        long lease = p.getIgnoreLease() ? prev.lease() : p.getLease();
        PutResponse.Builder out = PutResponse.newBuilder();
        if (p.getPrevKv() && prev != null) {
            out.setPrevKv(prev.toKeyValue(key, prevValue));
        }
        return out.setHeader(header(w.put(key, prev, value, lease))).build();
    }

    /** Deletes every live key of the range; with prev_kv, their values are read before any delete is written. */
    private DeleteRangeResponse deleteRange(WriteTxn w, DeleteRangeRequest d) {
        List<Scanner.Hit> hits = new ArrayList<>();
        long[] bytes = {0};
        long now = w.revision();
        scanner.scan(KeyInterval.of(d.getKey(), d.getRangeEnd()), now, now, (key, kv) -> {
            bytes[0] += key.length + (d.getPrevKv() ? kv.valueSize() : 0);
            if (bytes[0] > limits.rangeResponseBytesMax()) {
                throw KvErrors.rangeTooLarge(limits.rangeResponseBytesMax());
            }
            hits.add(new Scanner.Hit(key, kv));
            return true;
        });
        List<KeyValue> prevs = new ArrayList<>();
        if (d.getPrevKv()) {
            List<byte[]> values = scanner.values(hits);
            for (int i = 0; i < hits.size(); i++) {
                prevs.add(hits.get(i).meta().toKeyValue(hits.get(i).key(), values.get(i)));
            }
        }
        for (Scanner.Hit h : hits) {
            w.delete(h.key(), h.meta().lease());
        }
        return DeleteRangeResponse.newBuilder()
                .setHeader(header(w.revision()))
                .setDeleted(hits.size())
                .addAllPrevKvs(prevs)
                .build();
    }

    private TxnResponse txn(WriteTxn w, TxnRequest t, long compactedRevision) {
        Path path = pathOf(t, w.beginRevision);
        check(t, path, w.beginRevision, compactedRevision);
        TxnResponse.Builder out = run(w, t, path, compactedRevision);
        return out.setHeader(header(w.revision())).build();
    }

    /** etcd's {@code compareToPath}: every compare on the path, against the state before any op runs. */
    private Path pathOf(TxnRequest t, long revision) {
        boolean succeeded = txnIgnoresCompares || Compares.all(t.getCompareList(), scanner, revision);
        List<RequestOp> ops = succeeded ? t.getSuccessList() : t.getFailureList();
        Path[] nested = new Path[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).hasRequestTxn()) {
                nested[i] = pathOf(ops.get(i).getRequestTxn(), revision);
            }
        }
        return new Path(succeeded, nested);
    }

    /** etcd's {@code checkTxn}: the state-dependent checks of every op on the path, in order, before any runs. */
    private void check(TxnRequest t, Path path, long revision, long compactedRevision) {
        List<RequestOp> ops = path.ops(t);
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> {
                    long r = op.getRequestRange().getRevision();
                    if (r != 0 && r > revision) {
                        throw KvErrors.futureRevision();
                    }
                    if (r != 0 && r < compactedRevision) {
                        throw KvErrors.compacted();
                    }
                }
                case REQUEST_PUT -> {
                    PutRequest p = op.getRequestPut();
                    if ((p.getIgnoreValue() || p.getIgnoreLease())
                            && scanner.current(p.getKey().toByteArray()) == null) {
                        throw KvErrors.keyNotFound();
                    }
                    checkLease(p.getLease());
                }
                case REQUEST_TXN -> check(op.getRequestTxn(), path.nested()[i], revision, compactedRevision);
                case REQUEST_DELETE_RANGE, REQUEST_NOT_SET -> { }
            }
        }
    }

    private TxnResponse.Builder run(WriteTxn w, TxnRequest t, Path path, long compactedRevision) {
        TxnResponse.Builder out = TxnResponse.newBuilder().setSucceeded(path.succeeded());
        List<RequestOp> ops = path.ops(t);
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(
                        ranges.execute(op.getRequestRange(), w.revision(), compactedRevision));
                case REQUEST_PUT -> r.setResponsePut(put(w, op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(deleteRange(w, op.getRequestDeleteRange()));
                case REQUEST_TXN -> r.setResponseTxn(
                        run(w, op.getRequestTxn(), path.nested()[i], compactedRevision)
                                .setHeader(ResponseHeader.getDefaultInstance()));
                case REQUEST_NOT_SET -> { }
            }
            out.addResponses(r);
        }
        return out;
    }
}
