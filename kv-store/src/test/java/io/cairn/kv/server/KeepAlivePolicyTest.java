package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.proto.etcd.RangeResponse;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive policy, seen from a client that sends raw HTTP/2 PING frames on an idle connection (no calls), as
 * etcdctl and jetcd do: pings a little over a second apart are all acknowledged and the connection stays open
 * (etcdctl pings every 2 s; grpc-java's default policy would send GOAWAY at the third such ping), while a burst of
 * pings gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (the control that shows the policy is enforced and that
 * this test would see a GOAWAY). About 5 s, most of it the spaced pings.
 */
class KeepAlivePolicyTest {
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int ACK = 0x1;
    private static final int ENHANCE_YOUR_CALM = 0xb;

    private GrpcFixture fixture;
    private KvGrpcServer server;

    @BeforeEach
    void start() throws Exception {
        fixture = new GrpcFixture();
        server = fixture.server(new StubKvService(r -> CompletableFuture.completedFuture(
                RangeResponse.getDefaultInstance())), KvServerLimits.DEFAULTS);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void pingsEverySecondOrSoOnAnIdleConnectionAreAccepted() throws Exception {
        try (RawHttp2 h2 = new RawHttp2(server)) {
            for (int i = 0; i < 4; i++) {
                Thread.sleep(1_200);
                h2.ping(i);
                Frame answer = h2.nextPingOrGoaway();
                assertThat(answer.type()).as("ping %s answered with frame %s", i, answer).isEqualTo(PING);
                assertThat(answer.flags() & ACK).isEqualTo(ACK);
            }
            h2.ping(99);
            assertThat(h2.nextPingOrGoaway().type()).as("still open after the pings").isEqualTo(PING);
        }
    }

    @Test
    void aBurstOfPingsGetsGoawayTooManyPings() throws Exception {
        try (RawHttp2 h2 = new RawHttp2(server)) {
            for (int i = 0; i < 4; i++) {
                h2.ping(i);
            }
            Frame goaway;
            do {
                goaway = h2.nextPingOrGoaway();
            } while (goaway.type() == PING);
            assertThat(goaway.type()).isEqualTo(GOAWAY);
            ByteBuffer payload = ByteBuffer.wrap(goaway.payload());
            payload.getInt(); // last stream id
            assertThat(payload.getInt()).isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(new String(goaway.payload(), 8, goaway.payload().length - 8, StandardCharsets.US_ASCII))
                    .isEqualTo("too_many_pings");
        }
    }

    record Frame(int type, int flags, byte[] payload) {}

    /** A plaintext HTTP/2 connection with prior knowledge (h2c), as gRPC clients open it; frames read on a thread. */
    private static final class RawHttp2 implements AutoCloseable {
        final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        private final Socket socket;
        private final OutputStream out;
        private final Thread reader;

        RawHttp2(KvGrpcServer server) throws IOException {
            socket = new Socket(server.addresses().get(0).getAddress(), server.port());
            socket.setSoTimeout(20_000);
            out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            write(SETTINGS, 0, new byte[0]);
            reader = new Thread(this::readFrames, "raw-h2-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void ping(long opaque) throws IOException {
            write(PING, 0, ByteBuffer.allocate(8).putLong(opaque).array());
        }

        /** The next frame but SETTINGS (acknowledged on the way) and WINDOW_UPDATE. */
        Frame nextPingOrGoaway() throws Exception {
            while (true) {
                Frame f = frames.poll(10, TimeUnit.SECONDS);
                assertThat(f).as("a frame within 10 s").isNotNull();
                if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
                    write(SETTINGS, ACK, new byte[0]);
                } else if (f.type() != SETTINGS && f.type() != WINDOW_UPDATE) {
                    return f;
                }
            }
        }

        private synchronized void write(int type, int flags, byte[] payload) throws IOException {
            ByteBuffer header = ByteBuffer.allocate(9);
            header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
            header.put((byte) type).put((byte) flags).putInt(0);
            out.write(header.array());
            out.write(payload);
            out.flush();
        }

        private void readFrames() {
            try {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                while (true) {
                    int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                    int type = in.readUnsignedByte();
                    int flags = in.readUnsignedByte();
                    in.readInt(); // stream id
                    byte[] payload = new byte[length];
                    in.readFully(payload);
                    frames.add(new Frame(type, flags, payload));
                }
            } catch (IOException e) {
                // Connection closed: the test has what it needs, or fails on the missing frame.
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
