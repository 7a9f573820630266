// Command ferretdb runs FerretDB v1 (MongoDB wire protocol over SQLite or PostgreSQL) for the local
// runner, through FerretDB's embeddable package: a binary built from cmd/ferretdb with `go install`
// panics at start for want of a generated version file (FerretDB issue 2982).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27117", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteDir := flag.String("sqlite-dir", ".local/data/ferretdb", "directory holding the SQLite databases")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL for the postgresql handler")
	// FerretDB logs the whole response of a failed command at WARN, and an error message can quote a
	// query value such as an email address, so the default keeps only errors (no personal data in logs).
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	config := &ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       *handler,
		PostgreSQLURL: *postgresqlURL,
	}
	if *handler == "sqlite" {
		config.SQLiteURL = sqliteURL(*sqliteDir)
	}

	// The embedded package keeps its state in memory and locks telemetry off, so nothing is
	// written outside the data directory and nothing is sent over the network.
	f, err := ferretdb.New(config)
	if err != nil {
		fatal("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb: listening on %s (handler %s)\n", f.MongoDBURI(), *handler)
	if err := f.Run(ctx); err != nil {
		fatal("%v", err)
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
}

// sqliteURL turns a directory into the `file:` URI FerretDB wants: absolute, with a trailing slash.
func sqliteURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		fatal("sqlite dir: %v", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fatal("sqlite dir: %v", err)
	}
	// WAL with synchronous=NORMAL: a commit survives the crash of any process (kill -9 included), which
	// is what our guarantees are about, without an fsync per commit, which made every insert cost
	// 10-150 ms on a busy machine. Only a power cut can lose the last commits (MongoDB in production).
	return "file:" + strings.TrimSuffix(abs, "/") + "/?_pragma=synchronous(normal)"
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb: "+format+"\n", args...)
	os.Exit(1)
}
