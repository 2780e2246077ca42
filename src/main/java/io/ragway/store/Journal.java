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
import java.util.ArrayList;
import java.util.List;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * An append-only journal of lines with group commit: {@link #append} writes its line and returns
 * once it is on disk (fsync), and one fsync covers every line written while the previous one ran,
 * so the cost of durability is shared by concurrent writers. Lines go to numbered segment files
 * ({@code 00000001.jsonl}, ...); a process starts a new segment, so a line torn by a crash is
 * only ever at the end of an older segment, where readers skip it (it was never acknowledged).
 *
 * <p>A reader ({@link #read}) takes complete lines from a position up to what is durable; the
 * position it has consumed up to is kept in a checkpoint file, and segments wholly before it are
 * deleted. One process writes a journal folder at a time (a file lock says which).
 */
final class Journal implements AutoCloseable {

  /** A place in the journal: a segment and a byte offset in it. */
  record Position(long segment, long offset) {}

  /** Complete lines read, and where reading stopped. */
  record Batch(List<byte[]> lines, Position end) {}

  private static final String SUFFIX = ".jsonl";
  private static final String CHECKPOINT = "checkpoint";
  private static final long SEGMENT_BYTES = 64L << 20;
  private static final long CHUNK = 8L << 20;

  /* Lines written but cut off again because their fsync (or a later write) failed: (from, through] in ticket space. */
  private record Failure(long from, long through, IOException cause) {}

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /* held while writing to the current segment, and while switching segments */
  private final ReentrantLock writing = new ReentrantLock();
  private ByteBuffer scratch = ByteBuffer.allocateDirect(64 << 10);
  /* guards the fields below it: who is syncing, what is durable, which writes failed */
  private final ReentrantLock state = new ReentrantLock();
  private final Condition progress = state.newCondition();
  private boolean syncing;
  private final Deque<Failure> failures = new ArrayDeque<>();
  private final Object appended = new Object();
  private FileChannel current;
  private volatile long currentSegment;
  private volatile long durable; // bytes of the current segment known to be on disk
  /* Tickets count bytes written since this process opened the journal, across segments. */
  private long written; // under writing
  private volatile long durableTicket;
  private volatile boolean closed;

  private Journal(Path dir, FileChannel lockChannel, FileLock lock) throws IOException {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    long last = segments().stream().mapToLong(Long::longValue).max().orElse(0);
    openSegment(last + 1);
  }

  /**
   * Opens {@code dir} for writing, or returns null when another process has it open.
   *
   * @throws DatabaseException when the folder cannot be created or written
   */
  static Journal open(Path dir) {
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
      return new Journal(dir, ch, l);
    } catch (IOException e) {
      throw new DatabaseException("cannot open the usage journal in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Appends one line (without its newline) and returns once it is on disk.
   *
   * @throws DatabaseException when it could not be written (disk full, read-only): it is not in
   *     the journal, and the caller must not report it as recorded
   */
  void append(byte[] line) {
    sync(write(line));
  }

  /**
   * Writes one line (without its newline) to the journal file, where it survives the end of this
   * process (not yet of the machine), and returns its ticket for {@link #sync}.
   *
   * @throws DatabaseException when it could not be written: it is not in the journal
   */
  long write(byte[] line) {
    writing.lock();
    try {
      if (closed) {
        throw new DatabaseException("the usage journal is closed");
      }
      int size = line.length + 1;
      if (scratch.capacity() < size) {
        scratch = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
      }
      scratch.clear();
      scratch.put(line).put((byte) '\n').flip();
      long before = -1;
      try {
        before = current.position();
        while (scratch.hasRemaining()) {
          current.write(scratch);
        }
      } catch (IOException e) {
        if (before >= 0) {
          cutBack(before); // a half-written line is cut off, so the next one starts clean
        }
        throw new DatabaseException("cannot write the usage journal in " + dir + ": " + e.getMessage(), e);
      }
      written += size;
      return written;
    } finally {
      writing.unlock();
    }
  }

  private void cutBack(long offset) {
    try {
      current.truncate(offset);
      current.position(offset);
    } catch (IOException ignored) {
      // the write already failed; the next one fails the same way or succeeds after the cut
    }
  }

  /*
   * Group commit without a writer thread: the first caller that finds no fsync running becomes
   * the leader and fsyncs everything written so far; callers arriving meanwhile wait, and the next
   * of them to wake leads the next fsync, covering all of them at once. One caller alone pays one
   * fsync and no hand-off to another thread (which, on a busy machine, costs more than the fsync).
   */

  /**
   * Returns once the line of {@code ticket} (and every line written before it) is on disk.
   *
   * @throws DatabaseException when the fsync failed: the line was cut off the journal
   */
  void sync(long ticket) {
    state.lock();
    try {
      while (true) {
        for (Failure f : failures) {
          if (ticket > f.from() && ticket <= f.through()) {
            throw new DatabaseException("cannot write the usage journal in " + dir + ": " + f.cause().getMessage(), f.cause());
          }
        }
        if (durableTicket >= ticket) {
          return;
        }
        if (!syncing) {
          syncing = true;
          state.unlock();
          try {
            syncOnce();
          } finally {
            state.lock();
            syncing = false;
            progress.signalAll();
          }
          continue;
        }
        progress.awaitUninterruptibly();
      }
    } finally {
      state.unlock();
    }
  }

  /** Syncs what has been written unless it is already durable; for a background flusher. */
  void syncWritten() {
    long target;
    writing.lock();
    try {
      target = written;
    } finally {
      writing.unlock();
    }
    if (target > durableTicket) {
      sync(target);
    }
  }

  /* Called by the one leader: fsyncs everything written so far, then publishes it as durable. */
  private void syncOnce() {
    long target;
    long offset;
    FileChannel ch;
    writing.lock();
    try {
      target = written;
      offset = current.position();
      ch = current;
    } catch (IOException e) {
      throw new DatabaseException("cannot write the usage journal in " + dir + ": " + e.getMessage(), e);
    } finally {
      writing.unlock();
    }
    IOException failed = null;
    try {
      ch.force(false);
    } catch (IOException e) {
      failed = e;
    }
    writing.lock();
    try {
      if (failed != null) {
        // what is not known to be on disk is cut off: its writers are told, and later lines start clean
        cutBack(durable);
        long from = durableTicket;
        long cut = written;
        state.lock();
        try {
          failures.addLast(new Failure(from, cut, failed));
          while (failures.size() > 64) {
            failures.removeFirst();
          }
        } finally {
          state.unlock();
        }
        return;
      }
      if (ch == current) {
        durable = offset;
      }
      if (durable > SEGMENT_BYTES) {
        try {
          current.force(false);
          target = written;
          current.close();
          openSegment(currentSegment + 1);
        } catch (IOException e) {
          throw new DatabaseException("cannot start a new usage journal segment in " + dir + ": " + e.getMessage(), e);
        }
      }
      state.lock();
      try {
        durableTicket = Math.max(durableTicket, target);
      } finally {
        state.unlock();
      }
    } finally {
      writing.unlock();
    }
    synchronized (appended) {
      appended.notifyAll();
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

  /** Waits until something new is durable, or {@code millis} pass. */
  void awaitAppend(long millis) throws InterruptedException {
    synchronized (appended) {
      appended.wait(millis);
    }
  }

  @Override
  public void close() {
    try {
      syncWritten();
    } catch (DatabaseException e) {
      // what was not synced is replayed from the file if it got there, as after a crash
    }
    writing.lock();
    try {
      closed = true;
      current.close();
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    } finally {
      writing.unlock();
    }
    synchronized (appended) {
      appended.notifyAll();
    }
  }
}
