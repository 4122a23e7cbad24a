package io.cairn.apiserver;

import io.cairn.apiserver.storage.EtcdStorage;

/** A store the API server reaches over etcd's gRPC API in tests (see {@link EtcdProcess}). */
interface StoreBackend extends AutoCloseable {
    EtcdStorage.Options options();

    @Override
    void close();
}
