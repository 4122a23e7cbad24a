package io.cairn.raft.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * Loopback ports for members that tests and benchmarks start on one machine. Not for production: a real member
 * listens where its operator says.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {}

    /**
     * A free loopback port below the kernel's ephemeral range: a port from that range could be taken, while its
     * member is down, as the source port of some outgoing connection (even one to itself), and the member could
     * not listen again when it restarts.
     */
    public static int free() throws IOException {
        int low = ephemeralLow();
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = random.nextInt(Math.max(1024, low - 12_000), low);
            if (PORTS_GIVEN.add(port)) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(false);
                    s.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
                    return port;
                } catch (IOException inUse) {
                    // taken: try another
                }
            }
        }
        throw new IOException("no free loopback port below " + low);
    }

    /** Ports this JVM handed out already (two clusters in one test run never share one). */
    private static final java.util.Set<Integer> PORTS_GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static int ephemeralLow() {
        try {
            // read line-wise: Files.readString trusts the size /proc reports and may stop after one byte
            try (var in = java.nio.file.Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
                return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }

}
