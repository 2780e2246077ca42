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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An append-only journal of lines with group commit: {@link #append} returns once its line is on
 * disk (fsync), and one fsync covers every line that arrived while the previous one ran, so the
 * cost of durability is shared by concurrent writers. Lines go to numbered segment files
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
  private static final int MAX_GROUP = 4096;
  private static final long CHUNK = 8L << 20;

  private record Pending(byte[] line, CompletableFuture<Void> done) {}

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(65_536);
  private final Thread writer;
  private final Object durableChanged = new Object();
  private FileChannel current;
  private volatile long currentSegment;
  private volatile long durable; // bytes of the current segment known to be on disk
  private volatile boolean closed;

  private Journal(Path dir, FileChannel lockChannel, FileLock lock) throws IOException {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    long last = segments().stream().mapToLong(Long::longValue).max().orElse(0);
    openSegment(last + 1);
    this.writer = Thread.ofPlatform().daemon().name("ragway-journal").start(this::writeLoop);
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
    if (closed) {
      throw new DatabaseException("the usage journal is closed");
    }
    Pending p = new Pending(line, new CompletableFuture<>());
    try {
      queue.put(p);
      p.done().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatabaseException("interrupted while writing the usage journal", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new DatabaseException("cannot write the usage journal in " + dir + ": " + cause.getMessage(), cause);
    }
  }

  /*
   * One platform thread writes and fsyncs: every line queued while an fsync runs goes out with the
   * next one. (Callers taking turns to fsync on their own virtual threads measured slower: an
   * fsync blocks the carrier thread under it.)
   */
  private void writeLoop() {
    List<Pending> group = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        queue.drainTo(group, MAX_GROUP - 1);
        int size = 0;
        for (Pending p : group) {
          size += p.line().length + 1;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (Pending p : group) {
          buf.put(p.line()).put((byte) '\n');
        }
        buf.flip();
        try {
          long before = current.position();
          try {
            while (buf.hasRemaining()) {
              current.write(buf);
            }
            current.force(false);
          } catch (IOException e) {
            current.truncate(before); // a half-written group is cut off, so the next one starts clean
            current.position(before);
            throw e;
          }
          durable = current.position();
          group.forEach(p -> p.done().complete(null));
          synchronized (durableChanged) {
            durableChanged.notifyAll();
          }
          if (durable > SEGMENT_BYTES) {
            current.close();
            openSegment(currentSegment + 1);
          }
        } catch (IOException e) {
          group.forEach(p -> p.done().completeExceptionally(e));
        }
        group.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
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

  /** Waits until something new is durable, or {@code millis} pass. */
  void awaitAppend(long millis) throws InterruptedException {
    synchronized (durableChanged) {
      durableChanged.wait(millis);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      current.close();
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
    synchronized (durableChanged) {
      durableChanged.notifyAll();
    }
  }
}
