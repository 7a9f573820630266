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
	"strings"
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
	logger := slog.New(withoutArguments{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

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

// withoutArguments drops the arguments of a failed SQL query from FerretDB's log records (`args.0=...`):
// they are the documents themselves, names and email addresses included. The error and the SQL stay.
type withoutArguments struct{ slog.Handler }

func (h withoutArguments) Handle(ctx context.Context, r slog.Record) error {
	kept := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if !strings.HasPrefix(a.Key, "args") {
			kept.AddAttrs(a)
		}
		return true
	})
	return h.Handler.Handle(ctx, kept)
}

func (h withoutArguments) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutArguments{h.Handler.WithAttrs(attrs)}
}

func (h withoutArguments) WithGroup(name string) slog.Handler {
	return withoutArguments{h.Handler.WithGroup(name)}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb: "+format+"\n", args...)
	os.Exit(1)
}
