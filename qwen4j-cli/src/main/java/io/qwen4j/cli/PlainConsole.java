package io.qwen4j.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The chat console over plain streams (piped stdin): no prompt echo, no styles, UTF-8 throughout. */
final class PlainConsole implements ChatConsole {

    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter status;

    PlainConsole(InputStream in, OutputStream out, OutputStream status) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        this.status = new PrintWriter(new OutputStreamWriter(status, StandardCharsets.UTF_8), true);
    }

    @Override
    public String readLine(String prompt) throws java.io.IOException {
        return in.readLine();
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter status() {
        return status;
    }

    @Override
    public boolean styled() {
        return false;
    }

    @Override
    public void onInterrupt(Runnable action) {
    }

    @Override
    public void close() {
        out.flush();
        status.flush();
    }
}
