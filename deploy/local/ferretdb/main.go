// Command ferretdb runs FerretDB v1 (MongoDB wire protocol over PostgreSQL) for the local runner, through
// FerretDB's embeddable package: a binary built from cmd/ferretdb with `go install` panics at start for
// want of a generated version file (FerretDB issue 2982).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27117", "TCP address to listen on")
	handler := flag.String("handler", "postgresql", "backend (postgresql)")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:25432/ferretdb")
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

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb: "+format+"\n", args...)
	os.Exit(1)
}
