package io.ragway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.Hashes;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.Index.SourceInfo;
import io.ragway.index.Reader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents of each tenant as the HTTP API shows them: the files uploaded through it, which the
 * store keeps under {@code <uploads>/<tenant>/<name>} and indexes one at a time in the background,
 * and the files ingested from folders, which it lists but leaves to {@link Ingestor#ingest}. A
 * reader sees the documents of its tenant that are public or share an ACL group with it.
 */
public final class DocumentStore implements AutoCloseable {

  /*
   * Uploads and folders never touch each other's documents. An upload is indexed as the source
   * "upload:<name>", a name the folder ingest never gives a file (it names files by path, and puts
   * "./" before a relative path that would look like one). The folder ingest leaves such sources
   * alone: it neither removes them nor skips a file as their duplicate, so `serve --docs .` cannot
   * delete an upload. The uploads folder holds a MARKER file, and a folder ingest that walks the
   * data directory skips it, so an upload is not indexed a second time as a folder file.
   *
   * One thread does every write (ingest jobs and deletes), so two versions of one document never
   * interleave and a delete never races an ingest. A new version is kept in a hidden staging file
   * until it is parsed, embedded and committed, and only then replaces the stored file; when
   * anything fails, the index and the file keep the previous version and the document reports
   * "failed" with the reason. The progress of the latest upload of each document (queued,
   * processing, failed) lives in memory; a ready document is whatever the index holds. On start,
   * staging files left by a stop are deleted (those uploads were never acknowledged as ready), and
   * uploaded files the index lacks (say, after the index was rebuilt) are queued again, with the
   * title, tags and ACL groups kept beside each file in a hidden ".meta-" file: an upload meant for
   * one group must not come back public.
   *
   * A document a reader cannot see behaves for it as one of another tenant (not found), except
   * that it cannot be replaced by an upload of the same name: that is refused, rather than letting
   * anyone overwrite a restricted document or learn from the answer whether its content matches.
   */

  /** The prefix of an uploaded document's source name. */
  public static final String UPLOAD_PREFIX = "upload:";
  /** The file that marks the uploads folder, so that folder ingests skip it. */
  public static final String MARKER = ".ragway-uploads";
  /** The longest file name accepted, in UTF-8 bytes (what most file systems allow). */
  public static final int MAX_NAME_BYTES = 255;

  private static final Logger LOG = LoggerFactory.getLogger(DocumentStore.class);
  private static final String STAGING_PREFIX = ".incoming-";
  private static final String META_PREFIX = ".meta-";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a document stands. */
  public enum Status {
    QUEUED, PROCESSING, READY, FAILED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How a document came into the index. */
  public enum Origin {
    UPLOAD, FOLDER;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One document as the API shows it.
   *
   * @param source the source name its chunks and citations carry
   * @param name its file name
   * @param chunks chunks indexed now (those of the previous version while a new one is on its way)
   * @param bytes size of its stored file, when there is one
   * @param createdAt when its current version was uploaded (a folder file: last modified)
   * @param error why the latest upload failed
   * @param groups the ACL groups that may read it; empty when everyone in the tenant may
   */
  public record Document(String id, String source, String name, Origin origin, Status status, int chunks,
      OptionalLong bytes, Optional<Instant> createdAt, Optional<String> error, List<String> groups) {

    public Document {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(source, "source");
      groups = Chunk.groups(groups);
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(error, "error");
    }
  }

  /** An upload refused before anything was stored. */
  public static final class UploadRejected extends RuntimeException {

    /** Why, so the caller can tell the client what to fix. */
    public enum Reason {
      BAD_NAME, UNSUPPORTED_TYPE, EMPTY, TOO_LARGE, BAD_TAGS, BAD_GROUPS,
      /** A document of this name exists that the uploader cannot read. */
      HIDDEN
    }

    private final Reason reason;

    UploadRejected(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  /**
   * How the background ingest of uploads stands.
   *
   * @param queued uploads waiting for their turn
   * @param processing uploads being ingested now (0 or 1)
   * @param ready uploads ingested since the store opened
   * @param failed uploads that failed since the store opened
   */
  public record Progress(int queued, int processing, long ready, long failed) {}

  /** What {@link #delete} did. */
  public enum Deletion {
    DELETED,
    NOT_FOUND,
    /** A folder document: it would come back with the next ingest of its folder. */
    FROM_FOLDER
  }

  private final Path root;
  private final Index index;
  private final Ingestor ingestor;
  private final Clock clock;
  private final ExecutorService writer;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>(); // by document id: the latest upload not yet ready
  private final AtomicLong ready = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  private DocumentStore(Path root, Index index, Ingestor ingestor, Clock clock) {
    this.root = root;
    this.index = index;
    this.ingestor = ingestor;
    this.clock = clock;
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ragway-documents");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the store over the uploads folder {@code root} (created if needed); uploaded files the
   * index lacks are queued for ingest.
   */
  public static DocumentStore open(Path root, Index index, Ingestor ingestor, Clock clock) {
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(ingestor, "ingestor");
    Objects.requireNonNull(clock, "clock");
    Path dir = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      if (!Files.exists(dir.resolve(MARKER))) {
        Files.writeString(dir.resolve(MARKER), "Uploaded documents of ragway; folder ingests skip this folder.\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the uploads folder " + dir, e);
    }
    DocumentStore store = new DocumentStore(dir, index, ingestor, clock);
    store.recover();
    return store;
  }

  /** Whether a source name is an uploaded document's. */
  public static boolean isUpload(String source) {
    return source.startsWith(UPLOAD_PREFIX);
  }

  /** A document's id: stable, opaque, URL-safe, distinct across tenants. */
  public static String id(String tenant, String source) {
    return "doc_" + Hashes.sha256(tenant + '\u0000' + source).substring(0, 24);
  }

  /** The largest upload accepted, in bytes (the ingest limit on file size). */
  public long maxBytes() {
    return ingestor.options().maxFileBytes();
  }

  /**
   * Stores an upload into the uploader's tenant and queues it for ingest, replacing any earlier
   * document of the same name. Returns the document as queued, or as ready when the index already
   * holds this content with these tags and groups (and this title, when one is given): then
   * nothing changes.
   *
   * @param title replaces the document's own title unless blank
   * @param groups the ACL groups that may read it (empty: everyone in the tenant); when absent, those
   *     of the version it replaces, or none
   * @throws UploadRejected for a bad name, an unsupported type, empty content, bad tags or groups,
   *     or a document of that name the uploader cannot read
   */
  public Document upload(Reader uploader, String name, byte[] content, String title, List<String> tags,
      Optional<List<String>> groups) {
    Objects.requireNonNull(uploader, "uploader");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(groups, "groups");
    String tenant = uploader.tenant();
    checkName(name);
    if (content.length == 0) {
      throw new UploadRejected(UploadRejected.Reason.EMPTY, "The document '" + name + "' is empty.");
    }
    if (content.length > maxBytes()) {
      throw new UploadRejected(UploadRejected.Reason.TOO_LARGE,
          "The document is " + content.length + " bytes; the largest accepted is " + maxBytes() + " bytes.");
    }
    List<String> cleanTags = checkTags(tags);
    Optional<List<String>> givenGroups = checkGroups(groups);
    String cleanTitle = title == null ? "" : title.strip();
    String source = UPLOAD_PREFIX + name;
    String id = id(tenant, source);
    synchronized (this) {
      Optional<Document> current = find(tenant, id);
      if (current.isPresent() && !uploader.reads(tenant, current.get().groups())) {
        throw new UploadRejected(UploadRejected.Reason.HIDDEN, "A document named '" + name
            + "' exists that this key cannot read, so it cannot be replaced; upload under another name.");
      }
      List<String> cleanGroups = givenGroups.orElse(current.map(Document::groups).orElse(List.of()));
      Job pending = jobs.get(id);
      if ((pending == null || pending.status == Status.FAILED)
          && holds(tenant, source, Hashes.sha256(content), cleanTitle, cleanTags, cleanGroups)) {
        jobs.remove(id);
        return readyDocument(tenant, indexed(tenant, id).orElseThrow());
      }
      Path staged = fileIn(tenant, STAGING_PREFIX + UUID.randomUUID());
      try {
        Files.createDirectories(staged.getParent());
        Files.write(staged, content);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot store the upload " + name, e);
      }
      Job job = new Job(tenant, id, name, staged, content.length, cleanTitle, cleanTags, cleanGroups, clock.instant());
      jobs.put(id, job);
      Document queued = job.document(); // before the job can start, so the answer always says "queued"
      writer.execute(job);
      return queued;
    }
  }

  /** The document with this id, if the reader may read it. */
  public Optional<Document> get(Reader reader, String id) {
    return find(reader.tenant(), id).filter(d -> reader.reads(reader.tenant(), d.groups()));
  }

  /** The tenant's document with this id (its latest upload when one is on its way), whoever may read it. */
  private Optional<Document> find(String tenant, String id) {
    Job job = jobs.get(id);
    if (job != null && job.tenant.equals(tenant)) {
      return Optional.of(job.document());
    }
    return indexed(tenant, id).map(s -> readyDocument(tenant, s));
  }

  /** Every document the reader may read, uploaded or from folders, ordered by source name. */
  public List<Document> list(Reader reader) {
    String tenant = reader.tenant();
    Map<String, Document> byId = new LinkedHashMap<>();
    for (SourceInfo s : index.sources()) {
      if (s.tenant().equals(tenant)) {
        byId.put(id(tenant, s.source()), readyDocument(tenant, s));
      }
    }
    for (Job job : jobs.values()) {
      if (job.tenant.equals(tenant)) {
        byId.put(job.id, job.document());
      }
    }
    List<Document> out = new ArrayList<>();
    for (Document d : byId.values()) {
      if (reader.reads(tenant, d.groups())) {
        out.add(d);
      }
    }
    out.sort(Comparator.comparing(Document::source));
    return out;
  }

  /**
   * Removes an uploaded document from the index and its file, waiting until that is committed;
   * an upload of it still queued is dropped. Folder documents are not deleted; one the reader
   * cannot read is not found.
   */
  public Deletion delete(Reader reader, String id) throws InterruptedException {
    String tenant = reader.tenant();
    String name;
    synchronized (this) {
      if (get(reader, id).isEmpty()) {
        return Deletion.NOT_FOUND;
      }
      Optional<SourceInfo> held = indexed(tenant, id);
      Job job = jobs.get(id);
      if (job != null && !job.tenant.equals(tenant)) {
        job = null;
      }
      if (held.isEmpty() && job == null) {
        return Deletion.NOT_FOUND;
      }
      if (held.isPresent() && !isUpload(held.get().source())) {
        return Deletion.FROM_FOLDER;
      }
      name = job != null ? job.name : held.get().source().substring(UPLOAD_PREFIX.length());
      if (job != null) {
        jobs.remove(id, job); // when it comes up, the job sees it is no longer current and stops
      }
    }
    try {
      writer.submit(() -> {
        index.deleteSource(tenant, UPLOAD_PREFIX + name);
        index.commit();
        Files.deleteIfExists(fileIn(tenant, name));
        Files.deleteIfExists(fileIn(tenant, metaName(name)));
        return null;
      }).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not delete " + UPLOAD_PREFIX + name + ": " + e.getCause().getMessage(), e.getCause());
    }
    return Deletion.DELETED;
  }

  /** The uploads waiting and being ingested now, and how many were ingested or failed so far. */
  public Progress progress() {
    int queued = 0;
    int processing = 0;
    for (Job job : jobs.values()) {
      Status s = job.status;
      if (s == Status.QUEUED) {
        queued++;
      } else if (s == Status.PROCESSING) {
        processing++;
      }
    }
    return new Progress(queued, processing, ready.get(), failed.get());
  }

  /** Waits until every upload queued so far has been ingested (or has failed). */
  public void awaitIdle() throws InterruptedException {
    try {
      writer.submit(() -> { }).get();
    } catch (ExecutionException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** Finishes the work queued, for a few seconds at most, then stops; pending uploads not done are dropped. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        writer.shutdownNow();
        writer.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ---- names ----

  /** Rejects what is not a plain, visible file name of a supported type. */
  static void checkName(String name) {
    if (name == null || name.isBlank()) {
      throw badName("The file name is empty.");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw badName("The file name is longer than " + MAX_NAME_BYTES + " bytes.");
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
      throw badName("The file name '" + name + "' is a path; expected a plain file name such as 'notes.md', without '/' or '\\'.");
    }
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw badName("The file name contains control characters.");
    }
    if (name.startsWith(".")) {
      throw badName("The file name '" + name + "' starts with '.'; hidden names are not accepted.");
    }
    if (!name.equals(name.strip())) {
      throw badName("The file name '" + name + "' begins or ends with white space.");
    }
    Path file;
    try {
      file = Path.of(name);
    } catch (InvalidPathException e) {
      throw badName("The file name '" + name + "' is not valid here: " + e.getReason() + ".");
    }
    if (file.isAbsolute() || file.getNameCount() != 1) {
      throw badName("The file name '" + name + "' is a path; expected a plain file name.");
    }
    if (Parsers.forPath(file).isEmpty()) {
      int dot = name.lastIndexOf('.');
      String what = dot < 0 ? "Files without an extension are" : "'" + name.substring(dot) + "' files are";
      throw new UploadRejected(UploadRejected.Reason.UNSUPPORTED_TYPE, what + " not supported; the supported types are "
          + String.join(", ", Parsers.extensions().stream().sorted().toList()) + ".");
    }
  }

  private static UploadRejected badName(String message) {
    return new UploadRejected(UploadRejected.Reason.BAD_NAME, message);
  }

  private static List<String> checkTags(List<String> tags) {
    if (tags == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String t : tags) {
      if (t == null || t.isBlank() || t.length() > 100) {
        throw new UploadRejected(UploadRejected.Reason.BAD_TAGS, "Tags must be non-empty strings of at most 100 characters.");
      }
      if (!out.contains(t.strip())) {
        out.add(t.strip());
      }
    }
    return List.copyOf(out);
  }

  private static Optional<List<String>> checkGroups(Optional<List<String>> groups) {
    if (groups.isEmpty()) {
      return groups;
    }
    List<String> out = new ArrayList<>();
    for (String g : groups.get()) {
      if (g == null || g.isBlank() || g.length() > 100) {
        throw new UploadRejected(UploadRejected.Reason.BAD_GROUPS, "Groups must be non-empty strings of at most 100 characters.");
      }
      out.add(g.strip());
    }
    return Optional.of(Chunk.groups(out));
  }

  /** The folder of a tenant's uploads; the tenant's name, percent-encoded, so any name is one safe folder. */
  private Path tenantDir(String tenant) {
    String encoded = URLEncoder.encode(tenant, StandardCharsets.UTF_8);
    return root.resolve(encoded.startsWith(".") ? "%2E" + encoded.substring(1) : encoded);
  }

  /** A file directly in the tenant's folder; a name that would lead anywhere else is refused. */
  private Path fileIn(String tenant, String name) {
    Path dir = tenantDir(tenant);
    Path file = dir.resolve(name).normalize();
    if (!dir.equals(file.getParent())) {
      throw badName("The file name '" + name + "' is a path; expected a plain file name.");
    }
    return file;
  }

  // ---- reads ----

  private Optional<SourceInfo> indexed(String tenant, String id) {
    return index.sources().stream().filter(s -> s.tenant().equals(tenant) && id(tenant, s.source()).equals(id)).findFirst();
  }

  /** Whether the index holds this content of the source, with these tags and groups and (when given) this title. */
  private boolean holds(String tenant, String source, String hash, String title, List<String> tags, List<String> groups) {
    Optional<SourceInfo> held = indexed(tenant, id(tenant, source));
    if (held.isEmpty() || !held.get().hash().equals(hash) || !held.get().groups().equals(groups)) {
      return false;
    }
    Optional<Chunk> first = index.chunk(Ingestor.chunkId(tenant, source, 0));
    return first.isPresent() && first.get().tags().equals(tags) && (title.isEmpty() || first.get().title().equals(title));
  }

  private Document readyDocument(String tenant, SourceInfo s) {
    boolean upload = isUpload(s.source());
    Optional<Path> file = fileOf(tenant, s.source());
    OptionalLong bytes = OptionalLong.empty();
    Optional<Instant> created = Optional.empty();
    if (file.isPresent()) {
      try {
        bytes = OptionalLong.of(Files.size(file.get()));
        created = Optional.of(Files.getLastModifiedTime(file.get()).toInstant());
      } catch (IOException e) {
        // gone or unreadable: the index still holds the document, without these two facts
      }
    }
    String name = upload ? s.source().substring(UPLOAD_PREFIX.length()) : s.source().substring(s.source().lastIndexOf('/') + 1);
    return new Document(id(tenant, s.source()), s.source(), name, upload ? Origin.UPLOAD : Origin.FOLDER, Status.READY, s.chunks(),
        bytes, created, Optional.empty(), s.groups());
  }

  private Optional<Path> fileOf(String tenant, String source) {
    if (isUpload(source)) {
      try {
        return Optional.of(fileIn(tenant, source.substring(UPLOAD_PREFIX.length())));
      } catch (UploadRejected | InvalidPathException e) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(ingestor.base().resolve(source));
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  private int indexedChunks(String tenant, String id) {
    return indexed(tenant, id).map(SourceInfo::chunks).orElse(0);
  }

  // ---- writes ----

  /** Deletes staging files left by a stop and queues uploaded files the index lacks. */
  private void recover() {
    try (DirectoryStream<Path> tenants = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : tenants) {
        String tenant = URLDecoder.decode(dir.getFileName().toString(), StandardCharsets.UTF_8);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, Files::isRegularFile)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.startsWith(STAGING_PREFIX)) {
              Files.deleteIfExists(file);
            } else if (!name.startsWith(".") && Parsers.forPath(file).isPresent()) {
              String id = id(tenant, UPLOAD_PREFIX + name);
              Optional<JsonNode> read = indexed(tenant, id).isEmpty() ? readMeta(dir.resolve(metaName(name))) : Optional.empty();
              if (read.isPresent()) {
                JsonNode meta = read.get();
                List<String> tags = new ArrayList<>();
                meta.path("tags").forEach(t -> tags.add(t.asText()));
                List<String> groups = new ArrayList<>();
                meta.path("groups").forEach(g -> groups.add(g.asText()));
                Job job = new Job(tenant, id, name, file, Files.size(file), meta.path("title").asText(""), tags, groups,
                    Files.getLastModifiedTime(file).toInstant());
                jobs.put(id, job);
                writer.execute(job);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the uploads folder " + root, e);
    }
  }

  /**
   * What an upload was given besides its content; none for a file an older ragway stored without
   * it, empty when it cannot be read (the file then stays out of the index, rather than come back
   * readable by the whole tenant).
   */
  private static Optional<JsonNode> readMeta(Path meta) {
    if (!Files.exists(meta)) {
      return Optional.of(JSON.createObjectNode());
    }
    try {
      JsonNode n = JSON.readTree(meta.toFile());
      if (n != null && n.isObject()) {
        return Optional.of(n);
      }
    } catch (IOException e) {
      LOG.warn("cannot read {}: {}", meta, e.getMessage());
    }
    LOG.warn("the upload beside {} is not indexed again: its groups are unknown", meta);
    return Optional.empty();
  }

  /**
   * Writes an upload's title, tags and groups to a staging file, moved beside the upload once it
   * is indexed: written before, so that a failure here leaves the index alone.
   */
  private Path stageMeta(String tenant, String title, List<String> tags, List<String> groups) throws IOException {
    ObjectNode meta = JSON.createObjectNode().put("title", title);
    ArrayNode tagArray = meta.putArray("tags");
    tags.forEach(tagArray::add);
    ArrayNode groupArray = meta.putArray("groups");
    groups.forEach(groupArray::add);
    Path staged = fileIn(tenant, STAGING_PREFIX + UUID.randomUUID());
    Files.write(staged, JSON.writeValueAsBytes(meta));
    return staged;
  }

  /** The hidden file beside an upload that keeps what it was given: named by a hash, as the upload's name may be 255 bytes. */
  static String metaName(String name) {
    return META_PREFIX + Hashes.sha256(name).substring(0, 32);
  }

  /** One upload of one document, run on the writer thread. */
  private final class Job implements Runnable {
    final String tenant;
    final String id;
    final String name;
    final Path content; // a staging file, or the stored file itself when recovering
    final long bytes;
    final String title;
    final List<String> tags;
    final List<String> groups;
    final Instant created;
    volatile Status status = Status.QUEUED;
    volatile String error = "";

    Job(String tenant, String id, String name, Path content, long bytes, String title, List<String> tags, List<String> groups,
        Instant created) {
      this.tenant = tenant;
      this.id = id;
      this.name = name;
      this.content = content;
      this.bytes = bytes;
      this.title = title;
      this.tags = tags;
      this.groups = Chunk.groups(groups);
      this.created = created;
    }

    @Override
    public void run() {
      if (jobs.get(id) != this) { // replaced by a newer upload, or deleted
        discardStaging();
        return;
      }
      status = Status.PROCESSING;
      String source = UPLOAD_PREFIX + name;
      Path target = fileIn(tenant, name);
      Path meta = null;
      try {
        byte[] data = Files.readAllBytes(content);
        if (!holds(tenant, source, Hashes.sha256(data), title, tags, groups)) {
          meta = stageMeta(tenant, title, tags, groups);
          ingestor.ingestDocument(tenant, source, target, data, title, tags, groups);
          Files.move(meta, fileIn(tenant, metaName(name)), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          if (!content.equals(target)) {
            Files.move(content, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(target, FileTime.from(created));
          }
        }
        discardStaging();
        status = Status.READY;
        jobs.remove(id, this);
        ready.incrementAndGet();
      } catch (UnreadableDocumentException e) {
        fail(e.getMessage());
      } catch (IOException | RuntimeException | StackOverflowError e) { // a parser overflowing on deep nesting, too
        LOG.warn("could not ingest upload {} of tenant {}", name, tenant, e);
        fail("could not index the document: " + e.getMessage());
      } finally {
        if (meta != null) {
          try {
            Files.deleteIfExists(meta); // moved into place unless something failed
          } catch (IOException e) {
            LOG.warn("could not delete the staging file {}", meta, e);
          }
        }
      }
    }

    private void fail(String reason) {
      discardStaging();
      boolean previous = indexedChunks(tenant, id) > 0;
      error = reason + (previous ? "; the previous version stays indexed" : "");
      status = Status.FAILED;
      failed.incrementAndGet();
    }

    private void discardStaging() {
      if (content.getFileName().toString().startsWith(STAGING_PREFIX)) {
        try {
          Files.deleteIfExists(content);
        } catch (IOException e) {
          LOG.warn("could not delete the staging file {}", content, e);
        }
      }
    }

    Document document() {
      Status s = status;
      return new Document(id, UPLOAD_PREFIX + name, name, Origin.UPLOAD, s, indexedChunks(tenant, id), OptionalLong.of(bytes),
          Optional.of(created), s == Status.FAILED ? Optional.of(error) : Optional.empty(), groups);
    }
  }
}
