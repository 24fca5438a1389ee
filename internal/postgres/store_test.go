package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"ferry/internal/ferry"
	"ferry/internal/postgres"
	"ferry/internal/storetest"
	"ferry/internal/tasks"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newTestStore)
}

// newTestStore opens a store on a fresh, migrated schema of its own.
func newTestStore(t *testing.T) ferry.Store {
	t.Helper()
	db := newTestDB(t)
	if err := postgres.Migrate(context.Background(), db); err != nil {
		t.Fatalf("postgres.Migrate: %v", err)
	}
	st := postgres.NewStore(db)
	st.SetClock(ferry.ClockFunc(storetest.Now))
	return st
}

// TestMigrateConcurrently starts several "instances" on one empty schema
// at once: each must migrate Ferry's and River's tables without error, and
// each migration must be recorded once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	base := testSchemaURL(t)
	ctx := context.Background()
	const instances = 5
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		wg.Go(func() {
			db, err := postgres.Open(ctx, base)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = postgres.Migrate(ctx, db, func(ctx context.Context) error {
				return tasks.Migrate(ctx, riverdatabasesql.New(db))
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Migrate: %v", i, err)
		}
	}
	db := mustOpen(t, base)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = '0001_init'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("schema_migrations rows for 0001_init=%d (err %v), want 1", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&n); err != nil {
		t.Errorf("river_job after migration: %v", err)
	}
}

func TestOpenRejectsBadPoolSize(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://u:secret@127.0.0.1:1/db?pool_max_conns=1")
	if err == nil {
		t.Fatal("Open with pool_max_conns=1: err=nil, want an error")
	}
}

// The queue's listener pool reads the same URL as Open, refuses what Open
// refuses without echoing the password, and connects only when River first
// listens: a server that does not answer is no error yet.
func TestOpenListenerPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, bad := range []string{
		"postgres://u:secret@127.0.0.1:1/db?pool_max_conns=1",
		"postgres://u:secret@127.0.0.1:1/db?sslmode=bogus",
	} {
		_, err := postgres.OpenListenerPool(ctx, bad)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenListenerPool(%s): err=%v, want an error that does not show the password", bad, err)
		}
	}
	pool, err := postgres.OpenListenerPool(ctx, "postgres://u:secret@127.0.0.1:1/db?pool_max_conns=30&sslmode=disable")
	if err != nil {
		t.Fatalf("OpenListenerPool of a server that does not answer: %v, want a pool that has not connected yet", err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 2 {
		t.Errorf("listener pool MaxConns=%d, want 2 whatever pool_max_conns says", got)
	}
}

// newTestDB opens a database whose search_path is a fresh schema.
func newTestDB(t *testing.T) *sql.DB {
	t.Helper()
	return mustOpen(t, testSchemaURL(t))
}

func mustOpen(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testSchemaURL creates a schema that t.Cleanup drops, and returns the
// test database's URL with search_path set to it. It skips t unless
// FERRY_TEST_POSTGRES_URL is set.
func testSchemaURL(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("FERRY_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("set FERRY_TEST_POSTGRES_URL to run PostgreSQL tests")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "ferry_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatalf("open %s: %v", "FERRY_TEST_POSTGRES_URL", err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	// Registered first, so it runs after the cleanups that close the
	// test's own connections.
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("FERRY_TEST_POSTGRES_URL does not parse")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestHoldSchemaLock: the lock is per schema and namespace, is refused at
// once while another session holds it, and is free again once released.
func TestHoldSchemaLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := testSchemaURL(t)
	a, b, other := mustOpen(t, base), mustOpen(t, base), newTestDB(t)
	const space = 0x54455354 // "TEST"
	schema, release, err := postgres.HoldSchemaLock(ctx, a, space)
	if err != nil {
		t.Fatalf("first HoldSchemaLock: %v", err)
	}
	if u, _ := url.Parse(base); schema != u.Query().Get("search_path") {
		t.Errorf("schema=%q, want the URL's search_path %q", schema, u.Query().Get("search_path"))
	}
	if _, _, err := postgres.HoldSchemaLock(ctx, b, space); !errors.Is(err, postgres.ErrLocked) {
		t.Errorf("HoldSchemaLock from another pool on the same schema: err=%v, want ErrLocked", err)
	}
	if _, rel, err := postgres.HoldSchemaLock(ctx, other, space); err != nil {
		t.Errorf("HoldSchemaLock on another schema: %v", err)
	} else {
		rel()
	}
	if _, rel, err := postgres.HoldSchemaLock(ctx, b, space+1); err != nil {
		t.Errorf("HoldSchemaLock in another namespace: %v", err)
	} else {
		rel()
	}
	release()
	_, rel, err := postgres.HoldSchemaLock(ctx, b, space)
	if err != nil {
		t.Fatalf("HoldSchemaLock after release: %v", err)
	}
	rel()
}
