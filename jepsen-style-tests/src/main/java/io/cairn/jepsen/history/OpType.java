package io.cairn.jepsen.history;

/**
 * The four kinds of entry in a client history, with the meanings Jepsen gives them.
 *
 * <p>A client operation appears twice: once as an {@link #INVOKE} when the client sends it, and once as a
 * completion when the client learns (or gives up learning) its outcome. The completion kinds differ in what
 * they promise about the operation's effect, and the linearizability checker relies on exactly these promises.
 */
public enum OpType {
    /** The client has sent the operation; its outcome is not yet known. */
    INVOKE,
    /** The operation took effect, exactly once, somewhere between its invocation and this completion. */
    OK,
    /** The operation certainly did not take effect, and never will. */
    FAIL,
    /**
     * The outcome is unknown: the operation may or may not have taken effect, at any time after its invocation
     * (even after this entry). The client process that issued it is retired and never issues again.
     */
    INFO;

    /** The Jepsen keyword for this type, without the colon: {@code invoke}, {@code ok}, {@code fail}, {@code info}. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
