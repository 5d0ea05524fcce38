// The app every exercise builds: the Go program from the notes, grown just enough to show what a final image
// needs. It is plain standard-library Go, so it builds with Debian's golang-go and GO111MODULE=off exactly as the
// notes' Dockerfile does.
package main

// ANCHOR: main
import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Greeting is what the app prints; the checks compare the container's output with it.
const Greeting = "Hello from a multi-stage build!"

func main() {
	mode := "hello"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "hello":
		fmt.Println(Greeting)
	case "whoami":
		fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	case "certs":
		os.Exit(certs())
	case "serve":
		serve()
	case "healthcheck":
		os.Exit(healthcheck())
	default:
		fmt.Fprintln(os.Stderr, "usage: app [hello|whoami|certs|serve|healthcheck]")
		os.Exit(2)
	}
}

// ANCHOR_END: main

// certs proves the image carries CA certificates: without them every HTTPS call fails.
func certs() int {
	pool, err := x509.SystemCertPool()
	if err != nil || len(pool.Subjects()) == 0 { //nolint:staticcheck // Subjects is fine for counting
		fmt.Println("no CA certificates found")
		return 1
	}
	fmt.Printf("CA certificates: %d\n", len(pool.Subjects())) //nolint:staticcheck
	return 0
}

func serve() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, Greeting) })
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Println("listening on :8080")
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// healthcheck lets HEALTHCHECK work in an image with no shell and no curl: the binary checks itself.
func healthcheck() int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:8080/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy: status", resp.StatusCode)
		return 1
	}
	fmt.Println("healthy")
	return 0
}
