package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import java.util.List;

/**
 * The immediate children of a directory prefix at one revision (see {@link MvccStore#listChildren}).
 *
 * @param children in the order of their subtrees ({@code name + "/"}) in key order; equal to name order unless a
 *     name extends another with a byte below '/' (such as "a-b" after "a")
 * @param more whether children beyond the limit exist (ask again with {@code startAfter} = the last name)
 * @param revision the store revision read
 * @param stepsVisited iterator seeks and steps the listing took (its cost, reported for tests and metrics)
 */
public record DirectoryListing(List<Child> children, boolean more, long revision, long stepsVisited) {
    /**
     * One child segment of the prefix.
     *
     * @param name the segment after the prefix, without '/'
     * @param isKey whether {@code prefix + name} is itself a key
     * @param hasChildren whether keys below {@code prefix + name + "/"} exist
     */
    public record Child(ByteString name, boolean isKey, boolean hasChildren) {}
}
