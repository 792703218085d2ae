/*
 * A probe of a storage shape: would a gate decision answered after a
 * one-row journal commit, with the replica's transaction made beside it,
 * stay within 2x of a raw one-row FULL commit at p99, back to back (issue
 * 14)? And what does MallEdge's shape (`inline`) cost without Swift? The
 * journal was then built into MallEdge and measured slower than today's
 * shape, and was not kept (BENCHMARKS.md, 2026-12-06, late night).
 *
 * SQLite alone, no Swift: it measures the shape's floor on this machine's
 * disk, not MallEdge. Five modes, 5,000 commits each:
 *
 *   raw      one passage-sized row per transaction, synchronous=FULL: the
 *            baseline `mall-bench gate` prints
 *   alone    per decision, WORK_US of CPU (the decision, hashes, encoding)
 *            then one 900-byte journal row, FULL, in a file of its own
 *   journal  the same, while a second thread applies what was journaled to
 *            a replica of 100,000 reservations, in one NORMAL transaction
 *            per pass: per decision two new rows (key and end-of-life
 *            indexes), one reservation updated, three outbox rows, the tip
 *   inline   MallEdge's shape: per decision, WORK_US of CPU then those replica
 *            writes in one FULL transaction of their own, no journal
 *   beside   per decision, WORK_US of CPU, those replica writes in a NORMAL
 *            transaction on the same thread, then the journal's row, FULL
 *
 * NOCKPT=1 turns the replica's automatic checkpoint off, as a replica that
 * checkpoints only in pauses between decisions would. NEW_ROWS=1 writes one
 * new row a decision (and one outbox row fewer): a gate's read recorded by
 * its passage alone, MallEdge's shape since 2026-12-07; the default of two
 * is the shape before, with an audit entry beside each passage.
 * OUTBOX_KEYED=1 keys the outbox by (epoch, seq), as MallEdge's is (one
 * page of index more per commit); NO_TIP=1 leaves out the chain's tip.
 *
 *   cc -O2 -o /tmp/decision-journal Benchmarks/Probes/decision-journal.c -lsqlite3 -lpthread
 *   /tmp/decision-journal raw; /tmp/decision-journal alone 60
 *   /tmp/decision-journal journal 60; NOCKPT=1 /tmp/decision-journal journal 60
 *   NOCKPT=1 /tmp/decision-journal inline 60; NOCKPT=1 /tmp/decision-journal beside 60
 *   NEW_ROWS=1 OUTBOX_KEYED=1 /tmp/decision-journal inline 60; NEW_ROWS=1 NO_TIP=1 /tmp/decision-journal inline 60
 *
 * Stores go to a fresh directory under /tmp, removed at the end.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { decisions = 5000, reservations = 100000 };

static double micros(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

static void run(sqlite3 *db, const char *sql) {
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, message);
        exit(1);
    }
}

static sqlite3 *open_store(const char *path, const char *synchronous) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    run(db, "PRAGMA journal_mode = WAL");
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous = %s", synchronous);
    run(db, pragma);
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    return statement;
}

static void step(sqlite3_stmt *statement) {
    if (sqlite3_step(statement) != SQLITE_DONE) {
        fprintf(stderr, "step failed: %s\n", sqlite3_errmsg(sqlite3_db_handle(statement)));
        exit(1);
    }
    sqlite3_reset(statement);
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *mode, double *latencies) {
    qsort(latencies, decisions, sizeof *latencies, ascending);
    printf("%-8s p50 %5.0f  p90 %5.0f  p99 %5.0f  max %5.0f us\n", mode, latencies[decisions / 2],
           latencies[decisions * 9 / 10], latencies[decisions * 99 / 100], latencies[decisions - 1]);
}

static unsigned char payload[1024];
static atomic_long journaled, applied;
static atomic_int finished;

/* The replica's writes of one decision, as MallEdge's commit makes them. */
struct replica_writes {
    sqlite3_stmt *insert, *update, *outbox, *tip;
    long made, outboxed;
};

static struct replica_writes prepare_replica_writes(sqlite3 *db) {
    struct replica_writes writes = {
        prepare(db, "INSERT INTO rows (table_name, key, state, ends_at) VALUES ('passages', ?, ?, ?)"),
        prepare(db, "UPDATE rows SET state = ? WHERE table_name = 'reservations' AND key = ?"),
        prepare(db, "INSERT INTO outbox (epoch, seq, change) VALUES (1, ?, ?)"),
        prepare(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('tip', ?)"),
        0,
        0,
    };
    return writes;
}

/* New rows a decision writes, each with its outbox row (NEW_ROWS, default 2). */
static int new_rows = 2;

/* Per decision `new_rows` new rows (key and end-of-life indexes), one
 * reservation updated, an outbox row per change, the tip. */
static void write_decision(struct replica_writes *writes, long decision) {
    char key[48];
    for (int row = 0; row < new_rows; row++) {
        snprintf(key, sizeof key, "%08lx-%ld", random(), writes->made++);
        sqlite3_bind_text(writes->insert, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(writes->insert, 2, payload, 300, SQLITE_STATIC);
        sqlite3_bind_int64(writes->insert, 3, random());
        step(writes->insert);
    }
    snprintf(key, sizeof key, "r%06ld", random() % reservations);
    sqlite3_bind_blob(writes->update, 1, payload, 300, SQLITE_STATIC);
    sqlite3_bind_text(writes->update, 2, key, -1, SQLITE_TRANSIENT);
    step(writes->update);
    for (int change = 0; change < new_rows + 1; change++) {
        sqlite3_bind_int64(writes->outbox, 1, ++writes->outboxed);
        sqlite3_bind_blob(writes->outbox, 2, payload, 250, SQLITE_STATIC);
        step(writes->outbox);
    }
    if (getenv("NO_TIP")) return;
    sqlite3_bind_int64(writes->tip, 1, decision);
    step(writes->tip);
}

/* Applies, in one transaction per pass, every decision journaled since the last pass. */
static void *apply_to_replica(void *argument) {
    sqlite3 *db = argument;
    struct replica_writes writes = prepare_replica_writes(db);
    while (!atomic_load(&finished) || atomic_load(&applied) < atomic_load(&journaled)) {
        long target = atomic_load(&journaled);
        if (target == atomic_load(&applied)) {
            usleep(50);
            continue;
        }
        run(db, "BEGIN IMMEDIATE");
        for (long next = atomic_load(&applied); next < target; next++) write_decision(&writes, next);
        run(db, "COMMIT");
        atomic_store(&applied, target);
    }
    return NULL;
}

static void spin(double us) {
    double start = micros();
    while (micros() - start < us) {}
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    double work = argc > 2 ? atof(argv[2]) : 60;
    if (getenv("NEW_ROWS")) new_rows = atoi(getenv("NEW_ROWS"));
    if (new_rows < 0 || new_rows > 16) {
        fprintf(stderr, "NEW_ROWS must be 0...16\n");
        return 2;
    }
    if (strcmp(mode, "raw") && strcmp(mode, "alone") && strcmp(mode, "journal") && strcmp(mode, "inline") &&
        strcmp(mode, "beside")) {
        fprintf(stderr, "usage: %s raw | alone [WORK_US] | journal [WORK_US] | inline [WORK_US] | beside [WORK_US]\n", argv[0]);
        return 2;
    }
    char directory[] = "/tmp/decision-journal-XXXXXX";
    if (!mkdtemp(directory)) return 1;
    char path[96];
    memset(payload, 7, sizeof payload);
    static double latencies[decisions];

    if (!strcmp(mode, "raw")) {
        snprintf(path, sizeof path, "%s/raw.sqlite", directory);
        sqlite3 *db = open_store(path, "FULL");
        run(db, "CREATE TABLE t (key TEXT, value BLOB)");
        sqlite3_stmt *insert = prepare(db, "INSERT INTO t (key, value) VALUES (?, ?)");
        for (int i = 0; i < decisions; i++) {
            double start = micros();
            char key[24];
            snprintf(key, sizeof key, "%08lx", random());
            sqlite3_bind_text(insert, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(insert, 2, payload, 200, SQLITE_STATIC);
            step(insert);
            latencies[i] = micros() - start;
        }
        report(mode, latencies);
    } else {
        snprintf(path, sizeof path, "%s/replica.sqlite", directory);
        sqlite3 *replica = open_store(path, "NORMAL");
        run(replica,
            "CREATE TABLE rows (table_name TEXT, key TEXT, state BLOB, ends_at INTEGER, PRIMARY KEY (table_name, key));"
            "CREATE INDEX rows_by_end ON rows (table_name, ends_at);"
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;");
        run(replica, getenv("OUTBOX_KEYED")
                         ? "CREATE TABLE outbox (epoch INTEGER, seq INTEGER, change BLOB, PRIMARY KEY (epoch, seq))"
                         : "CREATE TABLE outbox (epoch INTEGER, seq INTEGER, change BLOB)");
        run(replica, "BEGIN");
        sqlite3_stmt *fill = prepare(replica, "INSERT INTO rows VALUES ('reservations', ?, ?, ?)");
        for (int i = 0; i < reservations; i++) {
            char key[24];
            snprintf(key, sizeof key, "r%06d", i);
            sqlite3_bind_text(fill, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(fill, 2, payload, 300, SQLITE_STATIC);
            sqlite3_bind_int64(fill, 3, random());
            step(fill);
        }
        run(replica, "COMMIT");
        run(replica, "PRAGMA wal_checkpoint(TRUNCATE)");
        if (getenv("NOCKPT")) run(replica, "PRAGMA wal_autocheckpoint = 0");

        if (!strcmp(mode, "inline") || !strcmp(mode, "beside")) {
            /* inline: MallEdge's shape, the decision's replica writes in one
             * FULL transaction of their own. beside: the journal's shape on
             * one thread, those writes in a NORMAL transaction, then the
             * journal's row, FULL, in a file of its own. */
            sqlite3_stmt *append = NULL;
            if (!strcmp(mode, "beside")) {
                snprintf(path, sizeof path, "%s/journal.sqlite", directory);
                sqlite3 *journal = open_store(path, "FULL");
                run(journal, "CREATE TABLE journal (id INTEGER PRIMARY KEY, record BLOB)");
                append = prepare(journal, "INSERT INTO journal (record) VALUES (?)");
            } else {
                run(replica, "PRAGMA synchronous = FULL");
            }
            struct replica_writes writes = prepare_replica_writes(replica);
            for (int i = 0; i < decisions; i++) {
                double start = micros();
                spin(work);
                run(replica, "BEGIN IMMEDIATE");
                write_decision(&writes, i);
                run(replica, "COMMIT");
                if (append) {
                    sqlite3_bind_blob(append, 1, payload, 900, SQLITE_STATIC);
                    step(append);
                }
                latencies[i] = micros() - start;
            }
            report(mode, latencies);
            goto done;
        }
        snprintf(path, sizeof path, "%s/journal.sqlite", directory);
        sqlite3 *journal = open_store(path, "FULL");
        run(journal, "CREATE TABLE journal (id INTEGER PRIMARY KEY, record BLOB)");
        sqlite3_stmt *append = prepare(journal, "INSERT INTO journal (record) VALUES (?)");
        pthread_t applier;
        int applying = !strcmp(mode, "journal");
        if (applying) pthread_create(&applier, NULL, apply_to_replica, replica);
        for (int i = 0; i < decisions; i++) {
            double start = micros();
            spin(work);
            sqlite3_bind_blob(append, 1, payload, 900, SQLITE_STATIC);
            step(append);
            latencies[i] = micros() - start;
            atomic_fetch_add(&journaled, 1);
        }
        atomic_store(&finished, 1);
        if (applying) pthread_join(applier, NULL);
        report(mode, latencies);
    }
done:;
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", directory);
    return system(command) == 0 ? 0 : 1;
}
