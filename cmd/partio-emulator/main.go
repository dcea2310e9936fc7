// Command partio-emulator serves a local emulation of the part.io API for
// tests and demos. It listens on loopback only, because its token is known.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

// shutdownTimeout is the maximum time that in-flight requests get to finish
// after SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

func main() {
	err := run(os.Args[1:])
	if errors.Is(err, errUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "partio-emulator:", err)
		os.Exit(1)
	}
}

// errUsage reports invalid flags, which the flag package has already printed
// together with the usage.
var errUsage = errors.New("invalid flags")

func run(args []string) error {
	flags := flag.NewFlagSet("partio-emulator", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:8787", "listen address; the host must be localhost or a loopback IP, and port 0 picks a free port")
	token := flags.String("token", "", "bearer token that API requests must carry (default: $PARTIO_TOKEN, else at_emulator)")
	renderTime := flags.Duration("render-time", 5*time.Second, "time from submission until a job is done")
	storageDir := flags.String("storage-dir", "", "directory for uploaded files (default: a temporary directory removed on exit)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}

	// tokenFromEnv is set when the token must not be printed.
	tokenFromEnv := false
	if *token == "" {
		*token = os.Getenv("PARTIO_TOKEN")
		tokenFromEnv = *token != ""
	}
	if *token == "" {
		*token = "at_emulator"
	}

	if err := checkLoopback(*addr); err != nil {
		return err
	}
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("failed to listen on %s: %w", *addr, err)
	}
	// A host name such as localhost could resolve to a non-loopback address.
	if tcpAddr, ok := listener.Addr().(*net.TCPAddr); !ok || !tcpAddr.IP.IsLoopback() {
		listener.Close()
		return fmt.Errorf("invalid -addr %s: it resolved to %s, which is not a loopback address", *addr, listener.Addr())
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	emu, err := emulator.New(emulator.Options{
		Token:      *token,
		RenderTime: *renderTime,
		StorageDir: *storageDir,
		Logger:     logger,
	})
	if err != nil {
		listener.Close()
		return err
	}
	defer func() {
		if err := emu.Close(); err != nil {
			logger.Error("failed to remove storage", "error", err)
		}
	}()

	endpoint := "http://" + listener.Addr().String()
	fmt.Printf("partio emulator listening on %s\n", endpoint)
	if tokenFromEnv {
		fmt.Printf("point the provider at it with: PARTIO_ENDPOINT=%s (PARTIO_TOKEN is already set in the environment)\n", endpoint)
	} else {
		fmt.Printf("point the provider at it with: PARTIO_ENDPOINT=%s PARTIO_TOKEN=%s\n", endpoint, *token)
	}

	// No read or write timeout, because uploads of several GiB must finish.
	server := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()

	select {
	case err := <-served:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "storage_dir", emu.StorageDir())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("failed to shut down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server stopped: %w", err)
	}
	return nil
}

// checkLoopback returns an error unless the host of addr is localhost or a
// loopback IP address (127.0.0.0/8 or ::1).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("invalid -addr %q: the host must be localhost, 127.0.0.0/8 or ::1, because the emulator is a test server with a known token", addr)
}
