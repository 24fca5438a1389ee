package e2e

// The storage under a server: by default the embedded SQLite database and
// fileblob in the server's data dir; with FERRY_E2E_BACKEND=postgres-s3, a
// fresh PostgreSQL schema and a fresh prefix of an S3 bucket. Tests look
// at blob storage only through listBlobs, which opens the server's own
// blob URL, so their checks mean the same on both.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// blob URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// blob URLs
	"gocloud.dev/gcerrors"
)

// The backends FERRY_E2E_BACKEND selects.
const (
	backendDefault    = ""            // SQLite and fileblob in the data dir
	backendPostgresS3 = "postgres-s3" // PostgreSQL and S3 (versitygw in CI)
)

// e2eBackend is FERRY_E2E_BACKEND, checked by TestMain.
var e2eBackend string

// checkBackendEnv reads FERRY_E2E_BACKEND and checks that what it needs
// is set; it returns an error to stop the whole run with.
func checkBackendEnv() error {
	e2eBackend = os.Getenv("FERRY_E2E_BACKEND")
	switch e2eBackend {
	case backendDefault, "sqlite":
		e2eBackend = backendDefault
		return nil
	case backendPostgresS3:
		var missing []string
		for _, v := range []string{"FERRY_TEST_POSTGRES_URL", "FERRY_TEST_S3_URL"} {
			if os.Getenv(v) == "" {
				missing = append(missing, v)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("FERRY_E2E_BACKEND=%s needs %s (see .ci/run)", e2eBackend, strings.Join(missing, " and "))
		}
		return nil
	}
	return fmt.Errorf("FERRY_E2E_BACKEND=%q: want %q or unset", e2eBackend, backendPostgresS3)
}

// storage is where a server keeps its metadata and content beyond its
// data dir. The zero value is the embedded default. Servers that share a
// storage form a cluster.
type storage struct {
	database string // --database; "" for <data-dir>/ferry.db
	blobs    string // --blobs; "" for file://<data-dir>/blobs
}

// flags returns the serve flags that select the storage.
func (st storage) flags() []string {
	var f []string
	if st.database != "" {
		f = append(f, "--database", st.database)
	}
	if st.blobs != "" {
		f = append(f, "--blobs", st.blobs)
	}
	return f
}

// newStorage returns fresh storage for one server on the backend that
// FERRY_E2E_BACKEND selects; t's cleanup removes it.
func newStorage(t *testing.T) storage {
	t.Helper()
	if e2eBackend == backendPostgresS3 {
		return newPostgresS3Storage(t)
	}
	return storage{}
}

// haveCluster reports whether FERRY_TEST_POSTGRES_URL and
// FERRY_TEST_S3_URL are both set, and which is missing if not.
func haveCluster() (bool, string) {
	for _, v := range []string{"FERRY_TEST_POSTGRES_URL", "FERRY_TEST_S3_URL"} {
		if os.Getenv(v) == "" {
			return false, v
		}
	}
	return true, ""
}

// skipUnlessCluster skips a test of two instances unless PostgreSQL and
// S3 are set up for it (.ci/run sets both), and in -short mode.
func skipUnlessCluster(t *testing.T) {
	t.Helper()
	skipShort(t)
	if ok, missing := haveCluster(); !ok {
		t.Skipf("set FERRY_TEST_POSTGRES_URL and FERRY_TEST_S3_URL to run the two-instance test (%s is not set; .ci/run sets both)", missing)
	}
}

// newPostgresS3Storage creates a PostgreSQL schema of its own in
// FERRY_TEST_POSTGRES_URL's database and picks a fresh prefix in
// FERRY_TEST_S3_URL's bucket. t's cleanup (which runs after that of any
// server started later) drops the schema and deletes the prefix's objects.
func newPostgresS3Storage(t *testing.T) storage {
	t.Helper()
	if ok, missing := haveCluster(); !ok {
		t.Fatalf("PostgreSQL and S3 storage needs %s to be set (see .ci/run)", missing)
	}
	id := randomHex(t, 6)
	return storage{
		database: newSchema(t, os.Getenv("FERRY_TEST_POSTGRES_URL"), "ferry_e2e_"+id),
		blobs:    newPrefix(t, os.Getenv("FERRY_TEST_S3_URL"), "e2e-"+id+"/"),
	}
}

// newSchema creates schema in the database at raw and returns raw with
// search_path set to it; t's cleanup drops it.
func newSchema(t *testing.T, raw, schema string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("FERRY_TEST_POSTGRES_URL does not parse") // the error would echo a password
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatalf("open FERRY_TEST_POSTGRES_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// newPrefix returns the bucket URL raw with a prefix parameter, which
// gocloud.dev applies to every key (blob.PrefixedBucket); t's cleanup
// deletes whatever is left under the prefix.
func newPrefix(t *testing.T, raw, prefix string) string {
	t.Helper()
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	u := raw + sep + "prefix=" + url.QueryEscape(prefix)
	t.Cleanup(func() {
		keys, err := bucketKeys(u, "")
		if err == nil {
			err = deleteKeys(u, keys)
		}
		if err != nil {
			t.Errorf("clean up blob prefix %s: %v", prefix, err)
		}
	})
	return u
}

// blobURL is the URL of the server's blob storage, as the server opens it:
// --blobs, or the default that "ferry serve" derives from --data-dir
// (file://<abs data dir>/blobs, with temporary files beside their final
// names, so that listings show writes in progress).
func (s *server) blobURL() string {
	if s.store.blobs != "" {
		return s.store.blobs
	}
	abs, err := filepath.Abs(filepath.Join(s.DataDir, "blobs"))
	if err != nil {
		s.t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(abs) + "?no_tmp_dir=1"
}

// listBlobs returns the keys in the server's blob storage that start with
// prefix, sorted. fileblob leaves out its .attrs sidecar files but lists
// the .tmp files of unfinished writes; S3 lists finished objects only.
func listBlobs(t *testing.T, s *server, prefix string) []string {
	t.Helper()
	keys, err := bucketKeys(s.blobURL(), prefix)
	if err != nil {
		t.Fatalf("list blob storage under %q: %v", prefix, err)
	}
	return keys
}

// bucketKeys lists the keys under prefix in the bucket at u. A listing
// that meets a key deleted while it ran (the server's maintenance deletes
// blobs as it pleases; fileblob then fails the listing with NotFound)
// starts again.
func bucketKeys(u, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	for try := 1; ; try++ {
		keys, err := listKeys(ctx, b, prefix)
		if gcerrors.Code(err) != gcerrors.NotFound || try == 5 {
			return keys, err
		}
	}
}

// listKeys lists the keys under prefix in b, once.
func listKeys(ctx context.Context, b *blob.Bucket, prefix string) ([]string, error) {
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !obj.IsDir {
			keys = append(keys, obj.Key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// deleteKeys deletes keys from the bucket at u.
func deleteKeys(u string, keys []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return err
	}
	defer b.Close()
	var errs []error
	for _, k := range keys {
		errs = append(errs, b.Delete(ctx, k))
	}
	return errors.Join(errs...)
}
