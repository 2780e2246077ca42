package io.ragway.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * An append-only journal of lines with group commit: {@link #append} writes its line and returns
 * once it is on disk (fsync), and one fsync covers every line written while the previous one ran,
 * so the cost of durability is shared by concurrent writers. Lines go to numbered segment files
 * ({@code 00000001.jsonl}, ...); a process starts a new segment, so a line torn by a crash is
 * only ever at the end of an older segment, where readers skip it (it was never acknowledged).
 * In {@link Sync#OS} mode an append returns once its line is written, and a thread of its own
 * fsyncs within a bounded delay (docs/records.md says what each mode can lose).
 *
 * <p>A reader ({@link #read}) takes complete lines from a position up to what is answered; the
 * position it has consumed up to is kept in a checkpoint file, and segments wholly before it are
 * deleted. One process writes a journal folder at a time (a file lock says which).
 */
final class Journal implements AutoCloseable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Journal.class);

  /** A place in the journal: a segment and a byte offset in it. */
  record Position(long segment, long offset) {}

  /** Complete lines read, and where reading stopped. */
  record Batch(List<byte[]> lines, Position end) {}

  private static final String SUFFIX = ".jsonl";
  private static final String CHECKPOINT = "checkpoint";
  private static final long SEGMENT_BYTES = 64L << 20;
  private static final long CHUNK = 8L << 20;

  /* Lines cut off again because their write or fsync failed: tickets in (from, through]. */
  private record Failure(long from, long through, IOException cause) {}

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /* guards pending and queued: lines handed in and not yet taken by the writer */
  private final ReentrantLock handIn = new ReentrantLock();
  private ByteBuffer pending = ByteBuffer.allocateDirect(64 << 10);
  private ByteBuffer spare = ByteBuffer.allocateDirect(64 << 10); // the writer's, while it writes
  private long queued; // ticket of the last line handed in
  /* the thread that writes and fsyncs (in os mode, callers write too, under the writing lock) */
  private final Thread writer;
  private record Waiter(long ticket, Thread thread) {}

  private final ConcurrentLinkedQueue<Waiter> waiting = new ConcurrentLinkedQueue<>();
  private final Deque<Failure> failures = new ArrayDeque<>(); // under itself
  private final Object appended = new Object();
  private FileChannel current;
  private volatile long currentSegment;
  /* bytes of the current segment readers may take: on disk (fsync mode) or written (os mode) */
  private volatile long durable;
  /* Tickets count bytes handed in since this process opened the journal, across segments. */
  private volatile long releasedTicket; // callers up to it are answered: fsynced (fsync) or written (os)
  private volatile long syncedTicket; // os mode: lines up to it are fsynced
  private final Sync sync;
  private final long delayNanos;
  private final FileSync force;
  /* os mode: the thread that fsyncs written lines, and the lock it holds while it does (a new segment takes it too) */
  private final Thread syncer;
  private final ReentrantLock syncLock = new ReentrantLock();
  /* os mode: the fsync thread has nothing to do and sleeps until a write wakes it (writes made while it works do not) */
  private volatile boolean syncerIdle;
  /* held while a group is written: by the writer thread, or in os mode by a caller writing its own group */
  private final ReentrantLock writing = new ReentrantLock();
  private volatile IOException broken; // os mode: the last fsync failed; appends are refused until one succeeds
  private final java.util.concurrent.atomic.AtomicLong fsyncFailures = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong fsyncs = new java.util.concurrent.atomic.AtomicLong();

  /**
   * When {@link #append} returns: {@code FSYNC} once its line is on disk; {@code OS} once it is
   * written to the file (in the kernel's page cache: it survives a kill of the process, not a power
   * cut), with an fsync following within the sync delay.
   */
  enum Sync { FSYNC, OS }

  /** How a file is forced to disk; tests put a slow or failing one in. */
  interface FileSync {
    void force(FileChannel channel) throws IOException;
  }

  private Journal(Path dir, FileChannel lockChannel, FileLock lock, Sync sync, Duration delay, FileSync force)
      throws IOException {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.sync = sync;
    this.delayNanos = delay.toNanos();
    this.force = force;
    long last = segments().stream().mapToLong(Long::longValue).max().orElse(0);
    openSegment(last + 1);
    this.writer = Thread.ofPlatform().daemon().name("ragway-journal").start(this::writeLoop);
    this.syncer = sync == Sync.OS ? Thread.ofPlatform().daemon().name("ragway-journal-fsync").start(this::syncLoop) : null;
  }

  /**
   * Opens {@code dir} for writing, or returns null when another process has it open.
   *
   * @throws DatabaseException when the folder cannot be created or written
   */
  static Journal open(Path dir) {
    return open(dir, Sync.FSYNC, Duration.ZERO);
  }

  /** As {@link #open(Path)}, answering appends as {@code sync} says; in {@code OS} mode fsyncing at most {@code delay} after a write. */
  static Journal open(Path dir, Sync sync, Duration delay) {
    return open(dir, sync, delay, ch -> ch.force(false));
  }

  static Journal open(Path dir, Sync sync, Duration delay, FileSync force) {
    try {
      Files.createDirectories(dir);
      FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        return null;
      }
      return new Journal(dir, ch, l, sync, delay, force);
    } catch (IOException e) {
      throw new DatabaseException("cannot open the usage journal in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Appends one line (without its newline) and returns once it is on disk ({@code FSYNC}) or
   * written to the file ({@code OS}).
   *
   * @throws DatabaseException when it could not be written (disk full, read-only), or in {@code OS}
   *     mode while the last fsync has failed: it is not in the journal, and the caller must not
   *     report it as recorded
   */
  void append(byte[] line) {
    long ticket = handIn(line);
    if (sync == Sync.OS) {
      writeOwn(ticket);
    } else {
      sync(ticket);
    }
  }

  /*
   * os mode: the caller writes its line itself (a write() into the page cache takes microseconds,
   * unlike an fsync), taking the writing lock as a queue: callers that arrive while a write runs
   * wait for the lock, and the next holder writes every line handed in meanwhile in one write, so
   * they find theirs written and leave. No other thread is involved, so a request pays no
   * hand-off between threads for its line.
   */
  private void writeOwn(long ticket) {
    writing.lock();
    try {
      if (releasedTicket < ticket) {
        writeGroup();
      }
    } catch (RuntimeException e) {
      // a new segment could not be started; this line was written before that
    } finally {
      writing.unlock();
    }
    failedAt(ticket);
  }

  /** Copies a line into the group the next fsync takes; returns its ticket. */
  private long handIn(byte[] line) {
    handIn.lock();
    try {
      if (closed) {
        throw new DatabaseException("the usage journal is closed");
      }
      refuseWhileBroken();
      int size = line.length + 1;
      if (pending.remaining() < size) {
        ByteBuffer bigger = ByteBuffer.allocateDirect(Integer.highestOneBit(pending.position() + size) << 1);
        pending.flip();
        bigger.put(pending);
        pending = bigger;
      }
      pending.put(line).put((byte) '\n');
      queued += size;
      return queued;
    } finally {
      handIn.unlock();
    }
  }

  /*
   * Group commit: callers copy their line into a shared buffer and wait; the writer thread takes
   * the whole buffer, writes it with one write and one fsync, and wakes exactly the callers it
   * covered. Lines handed in while it ran go out with the next fsync. The fsync runs on a platform
   * thread of its own so that it never holds one of the few carrier threads the requests' virtual
   * threads run on (callers leading the fsync themselves measured slower at 64 concurrent requests).
   */

  /**
   * Returns once the line of {@code ticket} (and every line before it) is on disk.
   *
   * @throws DatabaseException when it could not be written: the line was cut off the journal
   */
  private void sync(long ticket) {
    Waiter me = null;
    try {
      while (true) {
        failedAt(ticket);
        if (releasedTicket >= ticket) {
          return;
        }
        if (me == null) {
          me = new Waiter(ticket, Thread.currentThread());
          waiting.add(me);
          LockSupport.unpark(writer);
          continue; // look again: the writer may have finished before we queued
        }
        LockSupport.park(this);
      }
    } finally {
      if (me != null) {
        waiting.remove(me);
      }
    }
  }

  private void writeLoop() {
    while (true) {
      boolean wrote;
      writing.lock();
      try {
        wrote = writeGroup();
      } catch (RuntimeException e) {
        wrote = true; // a new segment could not be started: the next group tries again
      } finally {
        writing.unlock();
      }
      wake();
      if (!wrote) {
        if (closed && queuedTicket() <= releasedTicket) {
          return;
        }
        LockSupport.parkNanos(this, 100_000_000L);
      }
    }
  }

  private long queuedTicket() {
    handIn.lock();
    try {
      return queued;
    } finally {
      handIn.unlock();
    }
  }

  /* Wakes the callers the last fsync covered. */
  private void wake() {
    for (java.util.Iterator<Waiter> i = waiting.iterator(); i.hasNext(); ) {
      Waiter w = i.next();
      if (w.ticket() <= releasedTicket) {
        i.remove();
        LockSupport.unpark(w.thread());
      }
    }
  }

  private void failedAt(long ticket) {
    synchronized (failures) {
      for (Failure f : failures) {
        if (ticket > f.from() && ticket <= f.through()) {
          throw new DatabaseException("cannot write the usage journal in " + dir + ": " + f.cause().getMessage(), f.cause());
        }
      }
    }
  }

  /** Syncs every line handed in so far; for closing. */
  private void syncAll() {
    long target;
    handIn.lock();
    try {
      target = queued;
    } finally {
      handIn.unlock();
    }
    sync(target);
  }

  /* Run under the writing lock: writes and fsyncs the lines handed in so far, then publishes them; whether there were any. */
  private boolean writeGroup() {
    long target;
    ByteBuffer group;
    handIn.lock();
    try {
      target = queued;
      group = pending;
      pending = spare;
      pending.clear();
    } finally {
      handIn.unlock();
    }
    spare = group; // the next group's buffer once this one is written
    if (target <= releasedTicket) {
      return false;
    }
    IOException fsyncFailed = broken;
    if (fsyncFailed != null) {
      // os mode after a failed fsync: these lines are not written, so not acknowledged
      fail(target, fsyncFailed);
      return true;
    }
    group.flip();
    long before = durable;
    try {
      while (group.hasRemaining()) {
        current.write(group);
      }
      if (sync == Sync.FSYNC) {
        force.force(current);
        fsyncs.incrementAndGet();
      }
    } catch (IOException e) {
      // a half-written group is cut off, so the next one starts clean; its callers are told
      try {
        current.truncate(before);
        current.position(before);
      } catch (IOException ignored) {
        // the next write fails the same way, or succeeds after the cut
      }
      fail(target, e);
      return true;
    }
    try {
      durable = current.position();
      if (durable > SEGMENT_BYTES) {
        newSegment(target);
      }
    } catch (IOException e) {
      throw new DatabaseException("cannot start a new usage journal segment in " + dir + ": " + e.getMessage(), e);
    } finally {
      releasedTicket = target;
      synchronized (appended) {
        appended.notifyAll();
      }
      if (syncer != null && syncerIdle) {
        LockSupport.unpark(syncer); // it sleeps until there is something to fsync; else it wakes by itself
      }
    }
    return true;
  }

  /* The callers of the group up to target are told it failed; later lines do not wait on it. */
  private void fail(long target, IOException e) {
    synchronized (failures) {
      failures.addLast(new Failure(releasedTicket, target, e));
      while (failures.size() > 64) {
        failures.removeFirst();
      }
    }
    releasedTicket = target;
  }

  /* Closes the full segment (in os mode fsyncing it first, as the fsync thread only syncs the current one) and starts the next. */
  private void newSegment(long target) throws IOException {
    syncLock.lock();
    try {
      if (sync == Sync.OS) {
        try {
          force.force(current);
          fsyncs.incrementAndGet();
          syncedTicket = target;
        } catch (IOException e) {
          broken = e;
          fsyncFailures.incrementAndGet();
          LOG.error("FSYNC FAILED on the full usage journal segment in {}: {}; refusing new events until an fsync "
              + "succeeds", dir, e.getMessage());
        }
      }
      current.close();
      openSegment(currentSegment + 1);
    } finally {
      syncLock.unlock();
    }
  }

  private void refuseWhileBroken() {
    IOException e = broken;
    if (e != null) {
      throw new DatabaseException("the usage journal in " + dir + " refuses events: its last fsync failed ("
          + e.getMessage() + "); it retries", e);
    }
  }

  /*
   * os mode: fsyncs what the writer has written, at most delayNanos after the previous fsync began
   * (at once when that was longer ago), so the lines a power cut can lose are those written in about
   * one delay plus one fsync. Callers were answered at the write, so a failed fsync cannot fail them:
   * it is logged and counted, and appends are refused until a retry succeeds.
   */
  private void syncLoop() {
    long lastStart = System.nanoTime() - delayNanos;
    while (true) {
      long upTo = releasedTicket;
      if (upTo <= syncedTicket && broken == null) {
        if (closed && queuedTicket() <= releasedTicket) {
          return;
        }
        syncerIdle = true; // set before looking again, so a write after the look wakes it
        if (releasedTicket <= syncedTicket) {
          LockSupport.parkNanos(this, 100_000_000L); // the next write wakes it
        }
        syncerIdle = false;
        continue;
      }
      long wait = lastStart + (broken == null ? delayNanos : 100_000_000L) - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
        continue;
      }
      upTo = releasedTicket;
      lastStart = System.nanoTime();
      syncLock.lock();
      try {
        force.force(current);
        fsyncs.incrementAndGet();
        if (broken != null) { // cleared before the lines are published as synced: whoever sees them synced sees it whole
          LOG.warn("the usage journal in {} fsyncs again; it takes events again", dir);
          broken = null;
        }
        syncedTicket = upTo;
      } catch (IOException e) {
        boolean first = broken == null;
        broken = e; // set before the failure is counted: whoever sees it counted finds appends refused
        fsyncFailures.incrementAndGet();
        if (first) {
          LOG.error("FSYNC FAILED on the usage journal in {}: {}. Events answered in the last {} ms may be lost if "
              + "the machine stops before the kernel writes them; refusing new events until an fsync succeeds",
              dir, e.getMessage(), delayNanos / 1_000_000);
        }
      } finally {
        syncLock.unlock();
      }
    }
  }

  private void openSegment(long n) throws IOException {
    current = FileChannel.open(segmentFile(n), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    durable = 0;
    currentSegment = n;
  }

  private Path segmentFile(long n) {
    return dir.resolve(String.format("%08d%s", n, SUFFIX));
  }

  /** The segment numbers present, in order. */
  List<Long> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SUFFIX))
          .map(n -> Long.parseLong(n.substring(0, n.length() - SUFFIX.length()))).sorted().toList();
    }
  }

  /** Where the last reader stopped, from the checkpoint file (the start when there is none). */
  Position checkpoint() throws IOException {
    Path f = dir.resolve(CHECKPOINT);
    if (!Files.exists(f)) {
      return new Position(0, 0);
    }
    String[] parts = Files.readString(f).strip().split(" ");
    return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
  }

  /** Records that everything before {@code p} has been consumed, and deletes segments wholly before it. */
  void checkpoint(Position p) throws IOException {
    Path tmp = dir.resolve(CHECKPOINT + ".tmp");
    Files.writeString(tmp, p.segment() + " " + p.offset() + "\n");
    Files.move(tmp, dir.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    for (long s : segments()) {
      if (s < p.segment()) {
        Files.deleteIfExists(segmentFile(s));
      }
    }
  }

  /**
   * Up to {@code maxLines} complete, durable lines from {@code from}. A segment of an earlier run
   * is read to its end, skipping a torn last line; the current one up to what is on disk.
   */
  Batch read(Position from, int maxLines) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    Position at = from;
    for (long s : segments()) {
      if (s < at.segment()) {
        continue;
      }
      long offset = s == at.segment() ? at.offset() : 0;
      boolean live = s == currentSegment;
      long limit = live ? durable : Files.size(segmentFile(s));
      boolean partial = false; // stopped before the segment's end
      if (offset < limit) {
        long want = Math.min(limit - offset, CHUNK);
        partial = want < limit - offset;
        ByteBuffer buf = ByteBuffer.allocate((int) want);
        try (FileChannel ch = FileChannel.open(segmentFile(s), StandardOpenOption.READ)) {
          while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
            // fill what is there
          }
        }
        byte[] bytes = buf.array();
        int start = 0;
        for (int i = 0; i < buf.position() && lines.size() < maxLines; i++) {
          if (bytes[i] == '\n') {
            if (i > start) {
              lines.add(java.util.Arrays.copyOfRange(bytes, start, i));
            }
            start = i + 1;
          }
        }
        partial |= lines.size() >= maxLines && offset + start < limit;
        offset += start;
      }
      if (live || partial) {
        return new Batch(lines, new Position(s, offset));
      }
      at = new Position(s + 1, 0); // an earlier run's segment is done; a torn last line is skipped
    }
    return new Batch(lines, at);
  }

  /** Bytes written and on disk but not yet consumed past {@code from}. */
  long backlog(Position from) throws IOException {
    long total = 0;
    for (long s : segments()) {
      if (s < from.segment()) {
        continue;
      }
      long size;
      try {
        size = s == currentSegment ? durable : Files.size(segmentFile(s));
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // drained and deleted since it was listed
      }
      total += Math.max(0, size - (s == from.segment() ? from.offset() : 0));
    }
    return total;
  }

  /** How many fsyncs this journal has made: fewer than lines appended when groups formed. */
  long fsyncs() {
    return fsyncs.get();
  }

  /** How many fsyncs failed after their lines were answered ({@code OS} mode). */
  long fsyncFailures() {
    return fsyncFailures.get();
  }

  /** Whether every line answered so far is fsynced too (always, in {@code FSYNC} mode). */
  boolean allSynced() {
    return sync == Sync.FSYNC || syncedTicket >= releasedTicket;
  }

  /** Waits until something new is durable, or {@code millis} pass. */
  void awaitAppend(long millis) throws InterruptedException {
    synchronized (appended) {
      appended.wait(millis);
    }
  }

  @Override
  public void close() {
    try {
      syncAll();
    } catch (DatabaseException e) {
      // its callers were told; nothing else is waiting
    }
    handIn.lock();
    try {
      closed = true;
    } finally {
      handIn.unlock();
    }
    LockSupport.unpark(writer);
    try {
      writer.join(5_000); // it writes what was handed in meanwhile, then stops
      if (syncer != null) {
        LockSupport.unpark(syncer);
        syncer.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sync == Sync.OS) {
      syncLock.lock();
      try {
        force.force(current); // what the fsync thread had not yet taken
        fsyncs.incrementAndGet();
        syncedTicket = releasedTicket;
      } catch (IOException e) {
        fsyncFailures.incrementAndGet();
        LOG.error("FSYNC FAILED on the usage journal in {} while closing: {}", dir, e.getMessage());
      } finally {
        syncLock.unlock();
      }
    }
    try {
      current.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // as above
    }
    synchronized (appended) {
      appended.notifyAll();
    }
  }
}
