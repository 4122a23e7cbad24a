package io.cairn.apiserver.kinds;

import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.Strategy;
import java.util.List;
import java.util.Set;

/**
 * The review resources, which are asked, not stored (kube's "create-only" virtual resources): authorization.k8s.io/v1
 * SelfSubjectAccessReviews and SubjectAccessReviews ({@code kubectl auth can-i}), and authentication.k8s.io/v1
 * SelfSubjectReviews ({@code kubectl auth whoami}). The dispatcher answers them.
 */
public final class ReviewKinds {
    private ReviewKinds() {
    }

    /** A resource that only answers a create. */
    public static final class ReviewStrategy implements Strategy {
        @Override
        public boolean stored() {
            return false;
        }
    }

    public static List<ResourceType> all() {
        return List.of(
                new ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview",
                        "SelfSubjectAccessReview", false, List.of(), List.of(), Set.of(), new ReviewStrategy()),
                new ResourceType("authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview",
                        "SubjectAccessReview", false, List.of(), List.of(), Set.of(), new ReviewStrategy()),
                new ResourceType("authentication.k8s.io", "v1", "selfsubjectreviews", "selfsubjectreview",
                        "SelfSubjectReview", false, List.of(), List.of(), Set.of(), new ReviewStrategy()));
    }
}
