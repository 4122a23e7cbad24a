package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.ResponseOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain in-memory reference of etcd's KV semantics for the model-based test: a TreeMap from key to every version
 * ever written (tombstones included), a revision and a compacted revision. Written from etcd's documented and
 * observed behaviour, independently of the store's code (only the stateless {@link Validation} is shared, and it
 * has its own example tests). Nothing here is clever: every read walks the whole map.
 */
final class RefModel {
    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    /** One version of a key at one revision. */
    record Ver(long rev, boolean dead, long create, long version, long lease, ByteString value) {}

    private final TreeMap<ByteString, List<Ver>> history = new TreeMap<>(ORDER);
    private final KvLimits limits;
    long revision = 1;
    long compacted = 0;
    /** Leases: id to granted TTL. Which keys a lease holds is read from the versions (their lease field). */
    private final TreeMap<Long, Long> leases = new TreeMap<>();
    /** Every event in revision order, as the store's revision log (and so every watcher) must report them. */
    final List<io.cairn.kv.proto.mvcc.Event> events = new ArrayList<>();

    RefModel(KvLimits limits) {
        this.limits = limits;
    }

    /** The response, or the KvException, etcd would give. */
    Object apply(KvCommand c) {
        try {
            Validation.checkCommand(c, limits);
            return switch (c.getOpCase()) {
                case PUT -> {
                    checkSpace();
                    checkLease(c.getPut().getLease());
                    Txn w = new Txn(revision);
                    PutResponse r = put(w, c.getPut());
                    revision = w.now();
                    yield r;
                }
                case DELETE_RANGE -> {
                    Txn w = new Txn(revision);
                    DeleteRangeResponse r = delete(w, c.getDeleteRange());
                    revision = w.now();
                    yield r;
                }
                case TXN -> {
                    if (puts(c.getTxn())) {
                        checkSpace();
                    }
                    yield txn(c.getTxn());
                }
                case COMPACTION -> compact(c.getCompaction().getRevision());
                case LEASE_GRANT -> {
                    checkSpace();
                    if (leases.containsKey(c.getLeaseGrant().getID())) {
                        throw KvErrors.leaseExists();
                    }
                    leases.put(c.getLeaseGrant().getID(), c.getLeaseGrant().getTTL());
                    yield io.cairn.kv.proto.etcd.LeaseGrantResponse.newBuilder().setHeader(header(revision))
                            .setID(c.getLeaseGrant().getID()).setTTL(c.getLeaseGrant().getTTL()).build();
                }
                case LEASE_REVOKE -> revoke(c.getLeaseRevoke().getID());
                case LEASE_KEEP_ALIVE -> io.cairn.kv.proto.etcd.LeaseKeepAliveResponse.newBuilder()
                        .setHeader(header(revision)).setID(c.getLeaseKeepAlive().getID())
                        .setTTL(leases.getOrDefault(c.getLeaseKeepAlive().getID(), 0L)).build();
                case ALARM -> alarm(c.getAlarm());
                case AUTH -> throw new UnsupportedOperationException("the reference model has no auth");
                case MEMBER -> throw new UnsupportedOperationException(
                        "the model holds no membership (MemberRecordsTest)");
                case OP_NOT_SET -> throw new AssertionError();
            };
        } catch (KvException e) {
            return e;
        }
    }

    /** Raised alarms: member ID and alarm type. */
    private final java.util.TreeSet<List<Long>> alarms = new java.util.TreeSet<>(
            java.util.Comparator.<List<Long>, Long>comparing(a -> a.get(0), Long::compareUnsigned)
                    .thenComparing(a -> a.get(1)));

    /** etcd: while NOSPACE is raised anywhere, Puts, Txns that may put and LeaseGrants are refused. */
    private void checkSpace() {
        if (alarms.stream().anyMatch(a -> a.get(1) == io.cairn.kv.proto.etcd.AlarmType.NOSPACE_VALUE)) {
            throw KvErrors.noSpace();
        }
    }

    private static boolean puts(io.cairn.kv.proto.etcd.TxnRequest t) {
        return java.util.stream.Stream.concat(t.getSuccessList().stream(), t.getFailureList().stream())
                .anyMatch(op -> op.hasRequestPut() || op.hasRequestTxn() && puts(op.getRequestTxn()));
    }

    private Message alarm(io.cairn.kv.proto.etcd.AlarmRequest r) {
        var out = io.cairn.kv.proto.etcd.AlarmResponse.newBuilder().setHeader(header(revision));
        List<Long> a = List.of(r.getMemberID(), (long) r.getAlarmValue());
        var m = io.cairn.kv.proto.etcd.AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(r.getAlarm());
        switch (r.getAction()) {
            case ACTIVATE -> {
                if (r.getAlarm() != io.cairn.kv.proto.etcd.AlarmType.NONE) {
                    alarms.add(a);
                    out.addAlarms(m);
                }
            }
            case DEACTIVATE -> {
                if (alarms.remove(a)) {
                    out.addAlarms(m);
                }
            }
            default -> alarms.stream().filter(x -> r.getAlarm() == io.cairn.kv.proto.etcd.AlarmType.NONE
                    || x.get(1) == r.getAlarmValue()).forEach(x -> out.addAlarms(
                            io.cairn.kv.proto.etcd.AlarmMember.newBuilder().setMemberID(x.get(0))
                                    .setAlarmValue((int) (long) x.get(1))));
        }
        return out.build();
    }

    private void checkLease(long lease) {
        if (lease != 0 && !leases.containsKey(lease)) {
            throw KvErrors.leaseNotFound();
        }
    }

    /** Deletes every live key whose version names the lease, at one revision, then the lease. */
    private Message revoke(long id) {
        if (!leases.containsKey(id)) {
            throw KvErrors.leaseNotFound();
        }
        Txn w = new Txn(revision);
        for (KeyValue kv : live(ByteString.copyFrom(new byte[] {0}), ByteString.copyFrom(new byte[] {0}), revision)) {
            if (kv.getLease() == id) {
                write(kv.getKey(), new Ver(w.begin + 1, true, 0, 0, 0, ByteString.EMPTY));
                deleted(kv.getKey(), w.begin + 1);
                w.changes++;
            }
        }
        leases.remove(id);
        revision = w.now();
        return io.cairn.kv.proto.etcd.LeaseRevokeResponse.newBuilder().setHeader(header(revision)).build();
    }

    Object range(RangeRequest r) {
        try {
            Validation.checkRange(r);
            return range(r, revision);
        } catch (KvException e) {
            return e;
        }
    }

    private Message compact(long rev) {
        if (rev <= compacted) {
            throw KvErrors.compacted();
        }
        if (rev > revision) {
            throw KvErrors.futureRevision();
        }
        compacted = rev;
        return CompactionResponse.newBuilder().setHeader(header(revision)).build();
    }

    /** The writes of one request: all at begin + 1. */
    private static final class Txn {
        final long begin;
        int changes;

        Txn(long begin) {
            this.begin = begin;
        }

        long now() {
            return changes > 0 ? begin + 1 : begin;
        }
    }

    private static ResponseHeader header(long rev) {
        return ResponseHeader.newBuilder().setRevision(rev).build();
    }

    private Ver at(ByteString key, long rev) {
        Ver found = null;
        for (Ver v : history.getOrDefault(key, List.of())) {
            if (v.rev() <= rev) {
                found = v;
            }
        }
        return found == null || found.dead() ? null : found;
    }

    private static boolean inRange(ByteString k, ByteString key, ByteString end) {
        if (end.isEmpty()) {
            return k.equals(key);
        }
        boolean unbounded = end.size() == 1 && end.byteAt(0) == 0;
        return ORDER.compare(k, key) >= 0 && (unbounded || ORDER.compare(k, end) < 0);
    }

    private List<KeyValue> live(ByteString key, ByteString end, long rev) {
        List<KeyValue> out = new ArrayList<>();
        for (Map.Entry<ByteString, List<Ver>> e : history.entrySet()) {
            Ver v = inRange(e.getKey(), key, end) ? at(e.getKey(), rev) : null;
            if (v != null) {
                out.add(kv(e.getKey(), v));
            }
        }
        return out;
    }

    private void deleted(ByteString key, long rev) {
        events.add(io.cairn.kv.proto.mvcc.Event.newBuilder().setType(io.cairn.kv.proto.mvcc.Event.EventType.DELETE)
                .setKv(KeyValue.newBuilder().setKey(key).setModRevision(rev)).build());
    }

    private static KeyValue kv(ByteString key, Ver v) {
        return KeyValue.newBuilder().setKey(key).setCreateRevision(v.create()).setModRevision(v.rev())
                .setVersion(v.version()).setLease(v.lease()).setValue(v.value()).build();
    }

    private void write(ByteString key, Ver v) {
        List<Ver> vs = history.computeIfAbsent(key, k -> new ArrayList<>());
        if (!vs.isEmpty() && vs.get(vs.size() - 1).rev() == v.rev()) {
            vs.remove(vs.size() - 1);
        }
        vs.add(v);
    }

    private PutResponse put(Txn w, PutRequest p) {
        Ver prev = at(p.getKey(), Long.MAX_VALUE);
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw KvErrors.keyNotFound();
        }
        long rev = w.begin + 1;
        ByteString value = p.getIgnoreValue() ? prev.value() : p.getValue();
        long lease = p.getIgnoreLease() ? prev.lease() : p.getLease();
        Ver next = prev == null ? new Ver(rev, false, rev, 1, lease, value)
                : new Ver(rev, false, prev.create(), prev.version() + 1, lease, value);
        write(p.getKey(), next);
        events.add(io.cairn.kv.proto.mvcc.Event.newBuilder().setType(io.cairn.kv.proto.mvcc.Event.EventType.PUT)
                .setKv(kv(p.getKey(), next)).build());
        w.changes++;
        PutResponse.Builder out = PutResponse.newBuilder().setHeader(header(rev));
        if (p.getPrevKv() && prev != null) {
            out.setPrevKv(kv(p.getKey(), prev));
        }
        return out.build();
    }

    private DeleteRangeResponse delete(Txn w, DeleteRangeRequest d) {
        List<KeyValue> gone = live(d.getKey(), d.getRangeEnd(), Long.MAX_VALUE);
        for (KeyValue kv : gone) {
            write(kv.getKey(), new Ver(w.begin + 1, true, 0, 0, 0, ByteString.EMPTY));
            deleted(kv.getKey(), w.begin + 1);
            w.changes++;
        }
        DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder().setHeader(header(w.now()))
                .setDeleted(gone.size());
        if (d.getPrevKv()) {
            out.addAllPrevKvs(gone);
        }
        return out.build();
    }

    private RangeResponse range(RangeRequest r, long current) {
        long rev = r.getRevision() <= 0 ? current : r.getRevision();
        if (rev > current) {
            throw KvErrors.futureRevision();
        }
        if (rev < compacted) {
            throw KvErrors.compacted();
        }
        List<KeyValue> all = live(r.getKey(), r.getRangeEnd(), rev);
        boolean filters = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        RangeRequest.SortOrder order = r.getSortOrder();
        boolean keyOrder = order == RangeRequest.SortOrder.NONE
                || (r.getSortTarget() == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND);
        List<KeyValue> got = new ArrayList<>(all);
        if (keyOrder && !filters && r.getLimit() > 0 && got.size() > r.getLimit() + 1) {
            got = new ArrayList<>(got.subList(0, (int) r.getLimit() + 1));
        }
        if (r.getCountOnly()) {
            got.clear();
        }
        got.removeIf(kv -> (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision())
                || (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision())
                || (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision())
                || (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()));
        sortModel(got, r);
        RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header(current)).setCount(all.size());
        if (r.getLimit() > 0 && got.size() > r.getLimit()) {
            got = got.subList(0, (int) r.getLimit());
            out.setMore(true);
        }
        for (KeyValue kv : got) {
            out.addKvs(r.getKeysOnly() ? kv.toBuilder().setValue(ByteString.EMPTY).build() : kv);
        }
        return out.build();
    }

    private static void sortModel(List<KeyValue> kvs, RangeRequest r) {
        RangeRequest.SortOrder order = r.getSortOrder();
        if (order == RangeRequest.SortOrder.NONE && r.getSortTarget() == RangeRequest.SortTarget.KEY) {
            return;
        }
        Comparator<KeyValue> c = switch (r.getSortTarget()) {
            case KEY -> Comparator.comparing(KeyValue::getKey, ORDER);
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> Comparator.comparing(KeyValue::getValue, ORDER);
            default -> throw new AssertionError();
        };
        if (order == RangeRequest.SortOrder.DESCEND) {
            c = c.reversed();
        }
        kvs.sort(c);
    }

    // --- Txn -------------------------------------------------------------------------------------------------

    /** The chosen branch of a Txn and of its nested Txns, decided against the state before the Txn. */
    private record Branch(boolean ok, List<Branch> nested) {}

    private Branch decide(TxnRequest t) {
        boolean ok = true;
        for (Compare c : t.getCompareList()) {
            ok &= holds(c);
        }
        List<Branch> nested = new ArrayList<>();
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            nested.add(op.hasRequestTxn() ? decide(op.getRequestTxn()) : null);
        }
        return new Branch(ok, nested);
    }

    private boolean holds(Compare c) {
        List<KeyValue> kvs = live(c.getKey(), c.getRangeEnd(), Long.MAX_VALUE);
        if (kvs.isEmpty()) {
            if (c.getTarget() == Compare.CompareTarget.VALUE) {
                return false;
            }
            kvs = List.of(KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            int cmp = switch (c.getTarget()) {
                case VERSION -> Long.compare(kv.getVersion(), c.hasVersion() ? c.getVersion() : 0);
                case CREATE -> Long.compare(kv.getCreateRevision(),
                        c.hasCreateRevision() ? c.getCreateRevision() : 0);
                case MOD -> Long.compare(kv.getModRevision(), c.hasModRevision() ? c.getModRevision() : 0);
                case LEASE -> Long.compare(kv.getLease(), c.hasLease() ? c.getLease() : 0);
                case VALUE -> ORDER.compare(kv.getValue(), c.hasValue() ? c.getValue() : ByteString.EMPTY);
                default -> 0;
            };
            boolean ok = switch (c.getResult()) {
                case EQUAL -> cmp == 0;
                case NOT_EQUAL -> cmp != 0;
                case GREATER -> cmp > 0;
                case LESS -> cmp < 0;
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private void checkOps(TxnRequest t, Branch b) {
        List<RequestOp> ops = b.ok() ? t.getSuccessList() : t.getFailureList();
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            if (op.hasRequestRange()) {
                long rev = op.getRequestRange().getRevision();
                if (rev != 0 && rev > revision) {
                    throw KvErrors.futureRevision();
                }
                if (rev != 0 && rev < compacted) {
                    throw KvErrors.compacted();
                }
            } else if (op.hasRequestPut()) {
                PutRequest p = op.getRequestPut();
                if ((p.getIgnoreValue() || p.getIgnoreLease()) && at(p.getKey(), Long.MAX_VALUE) == null) {
                    throw KvErrors.keyNotFound();
                }
                checkLease(p.getLease());
            } else if (op.hasRequestTxn()) {
                checkOps(op.getRequestTxn(), b.nested().get(i));
            }
        }
    }

    private TxnResponse txn(TxnRequest t) {
        Branch b = decide(t);
        checkOps(t, b);
        Txn w = new Txn(revision);
        TxnResponse.Builder out = runOps(w, t, b);
        revision = w.now();
        return out.setHeader(header(revision)).build();
    }

    private TxnResponse.Builder runOps(Txn w, TxnRequest t, Branch b) {
        TxnResponse.Builder out = TxnResponse.newBuilder().setSucceeded(b.ok());
        List<RequestOp> ops = b.ok() ? t.getSuccessList() : t.getFailureList();
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(range(op.getRequestRange(), w.now()));
                case REQUEST_PUT -> r.setResponsePut(put(w, op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(delete(w, op.getRequestDeleteRange()));
                case REQUEST_TXN -> r.setResponseTxn(runOps(w, op.getRequestTxn(), b.nested().get(i))
                        .setHeader(ResponseHeader.getDefaultInstance()));
                default -> { }
            }
            out.addResponses(r);
        }
        return out;
    }
}
