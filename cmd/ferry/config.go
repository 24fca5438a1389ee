package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// envFlags defines flags whose defaults come from FERRY_* environment
// variables, so that every flag has an environment twin.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func envName(name string) string {
	return "FERRY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func (e *envFlags) help(name, usage string) string {
	return fmt.Sprintf("%s (env %s)", usage, envName(name))
}

func (e *envFlags) str(p *string, name, def, usage string) {
	if v := e.getenv(envName(name)); v != "" {
		def = v
	}
	e.fs.StringVar(p, name, def, e.help(name, usage))
	// -h shows the default, which may come from the environment: never
	// with a password in it (a postgres:// URL may carry one).
	if r := redactURL(def); r != def {
		e.fs.Lookup(name).DefValue = r
	}
}

// secret defines a string flag whose environment twin is never shown by
// -h: the help names the variable, not its value.
func (e *envFlags) secret(p *string, name, usage string) {
	e.fs.StringVar(p, name, e.getenv(envName(name)), e.help(name, usage))
	e.fs.Lookup(name).DefValue = ""
}

// size defines a byte-count flag that takes units: 1GB, 10MiB, 512k or a
// plain number of bytes.
func (e *envFlags) size(p *int64, name string, def int64, usage string) {
	*p = def
	if v := e.getenv(envName(name)); v != "" {
		n, err := parseSize(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: %w", envName(name), v, err))
		}
		*p = n
	}
	e.fs.Var((*sizeValue)(p), name, e.help(name, usage))
}

func (e *envFlags) boolean(p *bool, name string, def bool, usage string) {
	if v := e.getenv(envName(name)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: not a boolean", envName(name), v))
		}
		def = b
	}
	e.fs.BoolVar(p, name, def, e.help(name, usage))
}

func (e *envFlags) integer(p *int64, name string, def int64, usage string) {
	if v := e.getenv(envName(name)); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: not an integer", envName(name), v))
		}
		def = n
	}
	e.fs.Int64Var(p, name, def, e.help(name, usage))
}

func (e *envFlags) duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	if v := e.getenv(envName(name)); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: %w", envName(name), v, err))
		}
		*p = d
	}
	e.fs.Var((*durationValue)(p), name, e.help(name, usage))
}

// list defines a comma-separated list flag.
func (e *envFlags) list(p *[]string, name, usage string) {
	set := func(v string) error {
		*p = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*p = append(*p, s)
			}
		}
		return nil
	}
	set(e.getenv(envName(name)))
	e.fs.Func(name, e.help(name, usage+" (comma-separated)"), set)
}

// storeFlags are the flags that find the database, shared by every
// command that opens it.
type storeFlags struct {
	dataDir  string
	database string
}

func (s *storeFlags) define(e *envFlags) {
	e.str(&s.dataDir, "data-dir", "./ferry-data", "directory for the embedded database and blobs")
	e.str(&s.database, "database", "", `database: a SQLite file path, "sqlite:PATH", or a postgres:// URL (default <data-dir>/ferry.db)`)
}

// source says which setting chose the database, for messages.
func (s *storeFlags) source() string {
	if s.database != "" {
		return "--database/FERRY_DATABASE " + s.database
	}
	return "--data-dir/FERRY_DATA_DIR " + s.dataDir
}

// postgresURL returns the database URL and true if it names PostgreSQL.
func (s *storeFlags) postgresURL() (string, bool) {
	if strings.HasPrefix(s.database, "postgres://") || strings.HasPrefix(s.database, "postgresql://") {
		return s.database, true
	}
	return "", false
}

// sqlitePath returns the SQLite file to open, or an error for a database
// URL that is not SQLite's (check postgresURL first).
func (s *storeFlags) sqlitePath() (string, error) {
	db := s.database
	switch {
	case db == "":
		return filepath.Join(s.dataDir, "ferry.db"), nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return "", errors.New("--database: a PostgreSQL URL is not a SQLite path")
	case strings.HasPrefix(db, "sqlite://"):
		return strings.TrimPrefix(db, "sqlite://"), nil
	case strings.HasPrefix(db, "sqlite:"):
		return strings.TrimPrefix(db, "sqlite:"), nil
	case strings.Contains(db, "://"):
		return "", fmt.Errorf("--database: unsupported database URL %q", db)
	}
	return db, nil
}
