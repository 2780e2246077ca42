package io.ragway.store;

import java.time.Duration;
import java.util.Objects;

/**
 * When the usage ledger answers a request's event as recorded: {@code os} (the default) once it is
 * written to the journal file, with an fsync following within {@code delay} (it survives a kill
 * of ragway; a power cut or a kernel crash can take the last few milliseconds of events), or
 * {@code fsync} once it is on disk (it survives both, and every request waits for an fsync).
 * docs/records.md.
 */
public record LedgerSync(boolean osOnly, Duration delay) {

  /** The default fsync delay of the {@code os} mode. */
  public static final Duration DEFAULT_DELAY = Duration.ofMillis(5);

  public LedgerSync {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("the ledger's fsync delay must be between 0 and 1000 ms, got " + delay.toMillis());
    }
  }

  /** What {@code ragway serve} does unless told otherwise: {@code os}, fsyncing within {@link #DEFAULT_DELAY}. */
  public static LedgerSync defaults() {
    return os(DEFAULT_DELAY);
  }

  /** Every event on disk before its request is answered. */
  public static LedgerSync fsync() {
    return new LedgerSync(false, DEFAULT_DELAY);
  }

  /** Events written to the operating system before their request is answered, on disk within {@code delay}. */
  public static LedgerSync os(Duration delay) {
    return new LedgerSync(true, delay);
  }

  /** {@code fsync} or {@code os}, as in ragway.yaml. */
  public String label() {
    return osOnly ? "os" : "fsync";
  }

  Journal.Sync mode() {
    return osOnly ? Journal.Sync.OS : Journal.Sync.FSYNC;
  }
}
