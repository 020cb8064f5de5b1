package site

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/handlers"
)

// NewServer returns an http.Server for h on addr with bounded timeouts and
// header size (64 KiB). The write timeout bounds a whole response, so it is
// generous enough for the 14 MB page wasm on a slow link.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
}

// Main is the command `go run serve.go [-addr 127.0.0.1:8080] [-dir dist]
// [-quiet]`: it serves the site in -dir on -addr (loopback by default),
// prints its URL on stdout and one line per request on stderr in the Common
// Log Format (unless -quiet), and shuts down gracefully when ctx ends. It returns flag errors
// (flag.ErrHelp for -h), New's errors, and the listener's.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (host:port); keep it on loopback unless you mean it")
	dir := fl.String("dir", "dist", "site `directory` to serve (written by \"make build\")")
	quiet := fl.Bool("quiet", false, "do not log requests to stderr")
	if err := fl.Parse(args); err != nil {
		return err
	} else if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fl.Args())
	}
	h, err := New(*dir)
	if err != nil {
		return err
	}
	defer h.Close()
	srv := NewServer(*addr, h)
	if !*quiet {
		srv.Handler = handlers.LoggingHandler(stderr, h) // Common Log Format, the URI escaped
	}
	srv.ErrorLog = log.New(stderr, "serve: ", log.LstdFlags)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s at %s (Ctrl-C to stop)\n", *dir, browsable(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// browsable is the URL to open for a listener's address: an unspecified
// host (":8080", "0.0.0.0", "[::]") becomes localhost.
func browsable(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
