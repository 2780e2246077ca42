package io.ragway.ingest;

import io.ragway.config.Hashes;
import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.Index.SourceInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Brings files and folders into the index, incrementally.
 *
 * <ol>
 *   <li>walk the paths (hidden files and folders are left out) and list supported files;
 *   <li>hash each file; skip it if the index holds the same hash for it (and the ACL groups the
 *       run gives, if it gives any), or for another file (a duplicate);
 *   <li>parse and chunk it; embed its chunks in batches, reusing the stored vector of any chunk
 *       whose text is already indexed;
 *   <li>replace the file's chunks in the index, and commit every {@code commitEvery} chunks, so a
 *       crash leaves each file either fully old or fully new;
 *   <li>remove indexed files that are gone from the folders walked, and commit.
 * </ol>
 *
 * <p>A file that cannot be read or parsed is reported with its reason and skipped; the rest goes
 * on. Uploaded documents ({@link DocumentStore}) are not this walk's business: it neither removes
 * them nor treats them as duplicates, and it skips the folder that holds them.
 */
public final class Ingestor {

  /** Progress callbacks, e.g. for a progress bar. */
  public interface Listener {
    default void started(int files) {}

    default void fileDone(String source) {}

    Listener NONE = new Listener() {};
  }

  private final Index index;
  private final EmbeddingModel embedder;
  private final Chunker chunker;
  private final IngestOptions options;
  private final Path base;

  public Ingestor(Index index, EmbeddingModel embedder, Chunker chunker, IngestOptions options) {
    this(index, embedder, chunker, options, Path.of(""));
  }

  /** Names sources relative to {@code base} instead of the working directory. */
  Ingestor(Index index, EmbeddingModel embedder, Chunker chunker, IngestOptions options, Path base) {
    this.index = index;
    this.embedder = embedder;
    this.chunker = chunker;
    this.options = options;
    this.base = base.toAbsolutePath().normalize();
  }

  public IngestOptions options() {
    return options;
  }

  /** The folder that relative source names start from. */
  Path base() {
    return base;
  }

  /**
   * Ingests files and folders. Each source is named by its path relative to the working
   * directory when it lies below it, else by its absolute path.
   *
   * @throws NoSuchFileException if a path does not exist (nothing is ingested then)
   */
  public IngestReport ingest(List<Path> paths, Listener listener) throws NoSuchFileException {
    long t0 = System.nanoTime();
    for (Path p : paths) {
      if (!Files.exists(p)) {
        throw new NoSuchFileException(p.toString(), null, "no such file or directory");
      }
    }
    List<Path> roots = paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    List<Problem> skipped = new ArrayList<>();
    TreeSet<Path> files = new TreeSet<>();
    TreeSet<String> found = new TreeSet<>(); // every supported file, even one skipped: its old version stays
    for (Path root : roots) {
      walk(root, files, found, skipped);
    }
    listener.started(files.size());

    Map<String, SourceInfo> known = new HashMap<>();
    for (SourceInfo s : index.sources()) {
      if (s.tenant().equals(options.tenant()) && !DocumentStore.isUpload(s.source())) {
        known.put(s.source(), s);
      }
    }
    List<String> walkedDirs = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isDirectory(root)) {
        String prefix = sourceName(root);
        walkedDirs.add(prefix.isEmpty() ? "" : prefix + "/");
      }
    }
    // Which source keeps each content: decided on the state after this run, so a file that
    // replaces a deleted or edited copy of itself is ingested, not skipped as a duplicate.
    Map<String, String> owner = new HashMap<>();
    for (SourceInfo s : known.values()) {
      boolean revisited = found.contains(s.source()) || walkedDirs.stream().anyMatch(s.source()::startsWith);
      if (!revisited) {
        owner.merge(s.hash(), s.source(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    }
    for (Path file : List.copyOf(files)) {
      try {
        owner.putIfAbsent(Hashes.sha256(Files.readAllBytes(file)), sourceName(file)); // files are sorted
      } catch (IOException e) {
        files.remove(file);
        skipped.add(new Problem(sourceName(file), "cannot read: " + e.getMessage()));
      }
    }

    Run run = new Run();
    List<Problem> duplicates = new ArrayList<>();
    for (Path file : files) {
      String source = sourceName(file);
      SourceInfo before = known.get(source);
      switch (prepare(file, source, before, owner)) {
        case Unchanged u -> run.unchanged++;
        case Skipped sk -> skipped.add(new Problem(source, sk.reason()));
        case Duplicate d -> {
          duplicates.add(new Problem(source, "same content as " + d.twin()));
          if (before != null) { // it was indexed, and has become a copy of another file
            index.deleteSource(options.tenant(), source);
            run.removed++;
          }
        }
        case Ready r -> {
          // embedding or index failures are not this file's fault: they end the run, and the
          // index keeps its last commit
          run.write(r.info(), r.chunks());
          if (before == null) {
            run.added++;
          } else {
            run.updated++;
          }
        }
      }
      listener.fileDone(source);
    }
    run.flush();

    for (String source : known.keySet()) {
      if (!found.contains(source) && walkedDirs.stream().anyMatch(source::startsWith)) {
        index.deleteSource(options.tenant(), source);
        run.removed++;
      }
    }
    index.commit();
    return new IngestReport(run.added, run.updated, run.unchanged, run.removed, toReport(duplicates),
        toReport(skipped), run.chunks, run.embedded, (System.nanoTime() - t0) / 1e9);
  }

  private void walk(Path root, TreeSet<Path> files, TreeSet<String> found, List<Problem> skipped) {
    if (Files.isRegularFile(root)) {
      consider(root, files, found, skipped);
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          boolean skip = !dir.equals(root) && isHidden(dir) || Files.exists(dir.resolve(DocumentStore.MARKER));
          return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && !isHidden(file)) {
            consider(file, files, found, skipped);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          found.add(sourceName(file));
          skipped.add(new Problem(sourceName(file), "cannot read: " + e.getMessage()));
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void consider(Path file, TreeSet<Path> files, TreeSet<String> found, List<Problem> skipped) {
    if (Parsers.forPath(file).isEmpty()) {
      return; // not a document type we read; not worth a report line
    }
    found.add(sourceName(file));
    try {
      if (Files.size(file) > options.maxFileBytes()) {
        skipped.add(new Problem(sourceName(file), "larger than " + options.maxFileBytes() / (1024 * 1024) + " MB"));
      } else if (!Files.isReadable(file)) {
        skipped.add(new Problem(sourceName(file), "not readable (permission denied)"));
      } else {
        files.add(file);
      }
    } catch (IOException e) {
      skipped.add(new Problem(sourceName(file), "cannot read: " + e.getMessage()));
    }
  }

  private static boolean isHidden(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  private String sourceName(Path file) {
    return sourceName(file, base);
  }

  /** A file's source name: its path relative to {@code base} when it lies below it, else its absolute path. */
  static String sourceName(Path file, Path base) {
    Path abs = file.toAbsolutePath().normalize();
    Path dir = base.toAbsolutePath().normalize();
    String name = (abs.startsWith(dir) ? dir.relativize(abs).toString() : abs.toString()).replace('\\', '/');
    // a file that happens to be called "upload:x.md" must not take an upload's name
    return DocumentStore.isUpload(name) ? "./" + name : name;
  }

  /**
   * Indexes one document under a source name of the caller's choosing (an upload), replacing what
   * the index held of that source, and commits; returns the number of chunks written. Unlike
   * {@link #ingest}, it neither skips duplicates of other sources nor removes anything else.
   *
   * @param file the document's file name, which chooses the parser and the default title; it need
   *     not exist
   * @param title replaces the document's own title unless blank
   * @param groups the ACL groups that may read it; empty for everyone in the tenant
   * @throws UnreadableDocumentException if the format is not supported, or the content cannot be
   *     parsed or holds no text; the index is left as it was
   */
  public int ingestDocument(String tenant, String source, Path file, byte[] bytes, String title, List<String> tags,
      List<String> groups) throws UnreadableDocumentException {
    DocumentParser parser = Parsers.forPath(file).orElseThrow(() -> new UnreadableDocumentException("unsupported file type"));
    ParsedDocument doc;
    try {
      doc = parser.parse(file, bytes);
    } catch (RuntimeException e) {
      throw new UnreadableDocumentException("cannot parse: " + e, e);
    }
    if (!title.isBlank()) {
      doc = new ParsedDocument(title, doc.text(), doc.sections());
    }
    List<TextChunk> pieces = chunker.chunk(doc);
    if (pieces.isEmpty()) {
      throw new UnreadableDocumentException("no text to index");
    }
    String hash = Hashes.sha256(bytes);
    Run run = new Run();
    run.write(new SourceInfo(tenant, source, hash, pieces.size(), groups),
        toChunks(tenant, source, hash, doc, pieces, tags, groups));
    run.flush();
    index.commit();
    return pieces.size();
  }

  /** What to do with one file. */
  private sealed interface Outcome {}

  private record Unchanged() implements Outcome {}

  private record Skipped(String reason) implements Outcome {}

  private record Duplicate(String twin) implements Outcome {}

  private record Ready(SourceInfo info, List<Chunk> chunks) implements Outcome {}

  /** Reads, hashes, parses and chunks one file; nothing here touches the index or the model. */
  private Outcome prepare(Path file, String source, SourceInfo before, Map<String, String> owner) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String hash = Hashes.sha256(bytes);
      List<String> groups = options.groups().orElse(before == null ? List.of() : before.groups());
      if (before != null && before.hash().equals(hash) && before.groups().equals(groups)) {
        return new Unchanged();
      }
      String twin = owner.getOrDefault(hash, source);
      if (!twin.equals(source)) {
        return new Duplicate(twin);
      }
      Optional<DocumentParser> parser = Parsers.forPath(file);
      if (parser.isEmpty()) {
        return new Skipped("unsupported file type");
      }
      ParsedDocument doc = parser.get().parse(file, bytes);
      List<TextChunk> pieces = chunker.chunk(doc);
      if (pieces.isEmpty()) {
        return new Skipped("no text to index");
      }
      return new Ready(new SourceInfo(options.tenant(), source, hash, pieces.size(), groups),
          toChunks(options.tenant(), source, hash, doc, pieces, options.tags(), groups));
    } catch (UnreadableDocumentException e) {
      return new Skipped(e.getMessage());
    } catch (IOException e) {
      return new Skipped("cannot read: " + e.getMessage());
    } catch (RuntimeException e) {
      // a parser library failing on a malformed file must not stop the run
      return new Skipped("cannot parse: " + e);
    }
  }

  /** The id of a source's n-th chunk: stable across re-ingests, distinct across tenants. */
  public static String chunkId(String tenant, String source, int ordinal) {
    return Hashes.sha256(tenant + '\u0000' + source).substring(0, 16) + "-" + ordinal;
  }

  private static List<Chunk> toChunks(String tenant, String source, String hash, ParsedDocument doc, List<TextChunk> pieces,
      List<String> tags, List<String> groups) {
    List<Chunk> out = new ArrayList<>(pieces.size());
    for (int i = 0; i < pieces.size(); i++) {
      TextChunk p = pieces.get(i);
      out.add(new Chunk(chunkId(tenant, source, i), source, doc.title(), p.headings(), p.text(), p.start(), p.end(), i,
          hash, tenant, tags, groups));
    }
    return out;
  }

  private static List<IngestReport.Problem> toReport(List<Problem> problems) {
    return problems.stream().map(p -> new IngestReport.Problem(p.path, p.reason)).toList();
  }

  private record Problem(String path, String reason) {}

  /** Pending writes: files whose chunks wait to be embedded, and counters. */
  private final class Run {
    private final List<SourceInfo> pendingSources = new ArrayList<>();
    private final List<List<Chunk>> pendingChunks = new ArrayList<>();
    private int pendingCount;
    private int sinceCommit;
    int added;
    int updated;
    int unchanged;
    int removed;
    int chunks;
    int embedded;

    void write(SourceInfo info, List<Chunk> fileChunks) {
      pendingSources.add(info);
      pendingChunks.add(fileChunks);
      pendingCount += fileChunks.size();
      if (pendingCount >= options.batchSize()) {
        flush();
      }
    }

    /** Embeds all pending chunks (in model-sized batches), writes their files, maybe commits. */
    void flush() {
      if (pendingSources.isEmpty()) {
        return;
      }
      List<Chunk> all = new ArrayList<>(pendingCount);
      pendingChunks.forEach(all::addAll);
      List<float[]> vectors = vectorsFor(all);
      int offset = 0;
      for (int f = 0; f < pendingSources.size(); f++) {
        List<Chunk> fileChunks = pendingChunks.get(f);
        index.replaceSource(pendingSources.get(f), fileChunks, vectors.subList(offset, offset + fileChunks.size()));
        offset += fileChunks.size();
      }
      chunks += all.size();
      sinceCommit += all.size();
      pendingSources.clear();
      pendingChunks.clear();
      pendingCount = 0;
      if (sinceCommit >= options.commitEvery()) {
        index.commit();
        sinceCommit = 0;
      }
    }

    private List<float[]> vectorsFor(List<Chunk> all) {
      float[][] vectors = new float[all.size()][];
      List<String> texts = new ArrayList<>();
      List<Integer> positions = new ArrayList<>();
      Map<String, Integer> firstByText = new HashMap<>();
      for (int i = 0; i < all.size(); i++) {
        String text = all.get(i).embeddingText();
        Optional<float[]> stored = index.vectorForText(Hashes.sha256(text));
        if (stored.isPresent()) {
          vectors[i] = stored.get();
        } else if (!firstByText.containsKey(text)) {
          firstByText.put(text, texts.size());
          texts.add(text);
          positions.add(i);
        }
      }
      for (int from = 0; from < texts.size(); from += options.batchSize()) {
        int to = Math.min(texts.size(), from + options.batchSize());
        List<float[]> batch = embedder.embedDocuments(texts.subList(from, to));
        for (int j = 0; j < batch.size(); j++) {
          vectors[positions.get(from + j)] = batch.get(j);
        }
      }
      embedded += texts.size();
      for (int i = 0; i < all.size(); i++) {
        if (vectors[i] == null) { // repeated text within this batch
          vectors[i] = vectors[positions.get(firstByText.get(all.get(i).embeddingText()))];
        }
      }
      return List.of(vectors);
    }
  }
}
