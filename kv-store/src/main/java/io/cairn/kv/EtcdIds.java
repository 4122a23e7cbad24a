package io.cairn.kv;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** etcd's way to make a member or cluster id: the first eight bytes of a SHA-1, big-endian. Stateless. */
public final class EtcdIds {
    private EtcdIds() {}

    /** The id of {@code data}: the first eight bytes of its SHA-1. */
    public static long of(byte[] data) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(data), 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }
}
