package io.cairn.jepsen.sim;

/**
 * The life-cycle state every simulated member keeps, whatever runs inside it: its id, whether it was ever
 * started, is up, paused or removed, and its incarnation (bumped on every start and crash, so that events of a
 * previous life can tell they are stale).
 */
abstract class MemberLife implements SimMember {
    final int id;
    boolean up;
    boolean paused;
    boolean started;
    boolean removed;
    int incarnation;

    MemberLife(int id) {
        this.id = id;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public boolean up() {
        return up;
    }

    @Override
    public boolean paused() {
        return paused;
    }

    /** Whether the member was ever started (joining members start when they are added). */
    @Override
    public boolean started() {
        return started;
    }

    /** Whether the member was removed from the group (it is stopped for good). */
    @Override
    public boolean removed() {
        return removed;
    }

    @Override
    public int incarnation() {
        return incarnation;
    }
}
