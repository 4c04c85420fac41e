package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cluster is a private PostgreSQL cluster started from the system's PostgreSQL binaries: the
// zero-configuration default when no DATABASE_URL is given. It listens only on a Unix socket
// inside its own directory, so nothing else on the machine can reach it over TCP.
type Cluster struct {
	Dir     string // holds data/, run/ (socket) and postgresql.log
	BinDir  string // where pg_ctl and initdb live
	started bool   // this process started the server, so it stops it
	runAs   *syscall.Credential
	logger  *slog.Logger
}

// ClusterConfig says where the cluster lives and which binaries run it.
type ClusterConfig struct {
	Dir    string // default DefaultClusterDir()
	BinDir string // default: the newest /usr/lib/postgresql/*/bin, else pg_ctl on PATH
}

const clusterDatabase = "lorebase"

// DefaultClusterDir is /var/lib/lorebase when running as root (PostgreSQL then runs as the
// postgres user, which cannot enter /root), else $XDG_DATA_HOME/lorebase or ~/.local/share/lorebase.
func DefaultClusterDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/lorebase"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lorebase")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "lorebase")
	}
	return filepath.Join(home, ".local", "share", "lorebase")
}

// FindPostgresBin returns the directory of the newest installed PostgreSQL server binaries.
func FindPostgresBin() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries found (pg_ctl): run scripts/setup.sh, " +
		"or set DATABASE_URL to an existing PostgreSQL 14+ server with pgvector")
}

func pgMajor(path string) int {
	parts := strings.Split(path, string(filepath.Separator))
	for i, p := range parts {
		if p == "postgresql" && i+1 < len(parts) {
			n, _ := strconv.Atoi(parts[i+1])
			return n
		}
	}
	return 0
}

// NewCluster prepares (but does not start) the embedded cluster.
func NewCluster(cfg ClusterConfig, logger *slog.Logger) (*Cluster, error) {
	c := &Cluster{Dir: cfg.Dir, BinDir: cfg.BinDir, logger: logger}
	if c.Dir == "" {
		c.Dir = DefaultClusterDir()
	}
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		return nil, err
	}
	c.Dir = abs
	if c.BinDir == "" {
		if c.BinDir, err = FindPostgresBin(); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return c, nil
}

func (c *Cluster) dataDir() string   { return filepath.Join(c.Dir, "data") }
func (c *Cluster) socketDir() string { return filepath.Join(c.Dir, "run") }

// URL is the connection string for the cluster's database.
func (c *Cluster) URL() string {
	q := url.Values{}
	q.Set("host", c.socketDir())
	q.Set("sslmode", "disable")
	return (&url.URL{Scheme: "postgres", User: url.User(clusterDatabase), Path: "/" + clusterDatabase, RawQuery: q.Encode()}).String()
}

// Start initialises the cluster on first use, starts it unless it already runs (another
// lorebase process on this machine may have started it), and creates the database.
func (c *Cluster) Start(ctx context.Context) error {
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
		if err := c.chown(d); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		c.logger.Info("initialising embedded PostgreSQL cluster", slog.String("dir", c.dataDir()))
		if out, err := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", clusterDatabase, "--auth=trust",
			"-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"); err != nil {
			return fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	if c.running(ctx) {
		c.logger.Info("embedded PostgreSQL already running", slog.String("dir", c.dataDir()))
	} else {
		opts := fmt.Sprintf("-c listen_addresses='' -k %s -c max_connections=200 -c shared_buffers=256MB", c.socketDir())
		if out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "postgresql.log"),
			"-o", opts, "-w", "-t", "60", "start"); err != nil {
			return fmt.Errorf("start embedded PostgreSQL (log: %s): %w: %s", filepath.Join(c.Dir, "postgresql.log"), err, out)
		}
		c.started = true
		c.logger.Info("embedded PostgreSQL started", slog.String("dir", c.dataDir()))
	}
	return c.createDatabase(ctx)
}

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "status")
	return err == nil
}

func (c *Cluster) createDatabase(ctx context.Context) error {
	out, err := c.run(ctx, "psql", "-h", c.socketDir(), "-U", clusterDatabase, "-d", "postgres", "-tAc",
		"SELECT 1 FROM pg_database WHERE datname = '"+clusterDatabase+"'")
	if err != nil {
		return fmt.Errorf("check database: %w: %s", err, out)
	}
	if strings.TrimSpace(out) == "1" {
		return nil
	}
	if out, err := c.run(ctx, "createdb", "-h", c.socketDir(), "-U", clusterDatabase, clusterDatabase); err != nil && !strings.Contains(out, "already exists") {
		return fmt.Errorf("createdb: %w: %s", err, out)
	}
	return nil
}

// Stop shuts the server down if this process started it; a cluster another process started
// keeps running for that process.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.started {
		return nil
	}
	c.started = false
	if out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("stop embedded PostgreSQL: %w: %s", err, out)
	}
	c.logger.Info("embedded PostgreSQL stopped")
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	bin := filepath.Join(c.BinDir, name)
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath(name); lerr == nil {
			bin = p
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", path, err)
	}
	return nil
}
