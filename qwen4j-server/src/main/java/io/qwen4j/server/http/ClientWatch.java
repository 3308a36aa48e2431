package io.qwen4j.server.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Notices a client that closed its connection while the server has nothing to write yet: a non-streamed
 * request stays silent until its generation ends, so a failed write cannot tell.
 *
 * <p>Why it looks like this: {@link HttpExchange} exposes no socket, and while an exchange runs the JDK
 * server neither reads the connection nor watches it with its selector (the request body has been read
 * to its end, so the body stream answers -1 without touching the socket). The only signal is on the
 * socket itself: a non-blocking read that returns -1 (the client sent FIN) or fails (RST) means the
 * client is gone, as nginx decides for its 499. The channel sits in the JDK's internal
 * {@code sun.net.httpserver} objects, so this needs {@code --add-opens
 * jdk.httpserver/sun.net.httpserver=ALL-UNNAMED}; without it {@link #of} returns a watch that never
 * fires and the server logs that once at start.
 *
 * <p>Only the exchange's own thread polls, between events, so the brief switch to non-blocking mode never
 * overlaps the server's reads or writes. A read that returns data (a pipelining client's next request)
 * would have consumed a byte the server needs: the watch then stops and the response closes the
 * connection ({@code Connection: close}) so the client resends on a new one.
 */
public final class ClientWatch {

    /** How often the socket is polled at most: a syscall and two mode switches per poll. */
    static final long POLL_INTERVAL_NANOS = 100_000_000L;

    private static final Access ACCESS = Access.find();

    private final HttpExchange exchange;
    private final SocketChannel channel;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private long lastPoll;
    private boolean stopped;

    private ClientWatch(HttpExchange exchange, SocketChannel channel) {
        this.exchange = exchange;
        this.channel = channel;
        this.stopped = channel == null;
    }

    /** A watch over the exchange's connection, or one that never fires when the socket is out of reach. */
    public static ClientWatch of(HttpExchange exchange) {
        return new ClientWatch(exchange, ACCESS == null ? null : ACCESS.channel(exchange));
    }

    /** Whether disconnects of silent requests can be noticed in this JVM (see the class comment). */
    public static boolean available() {
        return ACCESS != null;
    }

    /**
     * True once the client has closed or reset the connection. Polls at most every
     * {@link #POLL_INTERVAL_NANOS}; call it only while no response bytes are being written.
     */
    public boolean gone() {
        if (stopped) {
            return false;
        }
        long now = System.nanoTime();
        if (lastPoll != 0 && now - lastPoll < POLL_INTERVAL_NANOS) {
            return false;
        }
        lastPoll = now;
        try {
            int read;
            synchronized (channel.blockingLock()) {
                channel.configureBlocking(false);
                try {
                    read = channel.read(probe.clear());
                } finally {
                    channel.configureBlocking(true);
                }
            }
            if (read < 0) {
                return true;
            }
            if (read > 0) {
                stopped = true;
                exchange.getResponseHeaders().set("Connection", "close");
            }
            return false;
        } catch (IOException e) {
            return true;
        } catch (RuntimeException e) {
            // e.g. IllegalBlockingModeException: the server changed how it handles connections; stop watching.
            stopped = true;
            return false;
        }
    }

    /** The reflective path exchange → ExchangeImpl → HttpConnection → SocketChannel, or null. */
    private record Access(Field impl, Field connection, Field channel) {

        static Access find() {
            try {
                Field impl = open("sun.net.httpserver.HttpExchangeImpl", "impl");
                Field connection = open("sun.net.httpserver.ExchangeImpl", "connection");
                Field channel = open("sun.net.httpserver.HttpConnection", "chan");
                return new Access(impl, connection, channel);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // not opened to us (InaccessibleObjectException) or another JDK layout
            }
        }

        private static Field open(String className, String field) throws ReflectiveOperationException {
            Field f = Class.forName(className).getDeclaredField(field);
            f.setAccessible(true);
            return f;
        }

        SocketChannel channel(HttpExchange exchange) {
            try {
                if (!impl.getDeclaringClass().isInstance(exchange)) {
                    return null; // HTTPS or a wrapped exchange
                }
                Object exchangeImpl = impl.get(exchange);
                Object httpConnection = connection.get(exchangeImpl);
                return (SocketChannel) channel.get(httpConnection);
            } catch (IllegalAccessException | RuntimeException e) {
                return null;
            }
        }
    }
}
