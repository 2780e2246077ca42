package io.ragway.telemetry;

/** A request log that writes nothing. */
final class NoRequestLog implements RequestLog {

  static final NoRequestLog INSTANCE = new NoRequestLog();

  private NoRequestLog() {}

  @Override
  public boolean enabled() {
    return false;
  }

  @Override
  public boolean content() {
    return false;
  }

  @Override
  public void append(Entry entry) {}

  @Override
  public long dropped() {
    return 0;
  }

  @Override
  public void close() {}
}
