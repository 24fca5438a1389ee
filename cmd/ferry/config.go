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
	if v := e.getenv(envName(name)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: not a duration", envName(name), v))
		}
		def = d
	}
	e.fs.DurationVar(p, name, def, e.help(name, usage))
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
