//! A PostgreSQL cluster of the test's own, to stop and start at will: made
//! with `initdb` in a temporary directory, served by `pg_ctl` on a free port
//! of 127.0.0.1, never the shared server of `scripts/services.sh`.
//!
//! PostgreSQL refuses to run as root: when the test is root, every server
//! command runs as the `postgres` user (`runuser -u postgres --`), in a
//! directory it owns. The cluster is stopped and its directory removed when
//! the value is dropped (a panic included), and by a watchdog process of its
//! own if the test process dies without dropping it (killed by a timeout,
//! say) or after [`MAX_LIFE`] whatever happens.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The longest the cluster lives, whatever the test does.
const MAX_LIFE: Duration = Duration::from_secs(300);

/// A running scratch cluster; see the [module docs](self).
pub(crate) struct ScratchPostgres {
    /// The server's programs (`initdb`, `pg_ctl`).
    bin: PathBuf,
    /// The temporary directory: `data/` and `server.log`.
    root: PathBuf,
    port: u16,
    /// Whether the commands run as the `postgres` user.
    as_postgres: bool,
    watchdog: Option<Child>,
}

impl ScratchPostgres {
    /// Makes a new cluster and starts it (blocking: call it from
    /// `spawn_blocking` or `block_in_place`).
    ///
    /// # Panics
    ///
    /// When the server's programs cannot be found (install PostgreSQL:
    /// `scripts/services.sh` does; or set `PG_BINDIR`), or a command fails
    /// (with its output).
    pub(crate) fn start() -> Self {
        let bin = server_bin_dir();
        let as_postgres = is_root();
        let root =
            std::env::temp_dir().join(format!("campanile-pg-{}", framework::testing::random_tag()));
        std::fs::create_dir(&root)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&root));
        }
        let mut cluster = Self {
            bin,
            root,
            port: free_port(),
            as_postgres,
            watchdog: None,
        };
        // From here on, Drop cleans up whatever was made.
        cluster.watchdog = Some(cluster.spawn_watchdog());
        let data = cluster.data_dir();
        run(cluster
            .server_command("initdb")
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync")
            .arg("-D")
            .arg(&data));
        // TCP on 127.0.0.1 only, no Unix socket (none to clash with the
        // shared server's); otherwise PostgreSQL's defaults (fsync and
        // synchronous commit on).
        let conf = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
            cluster.port
        );
        append(&data.join("postgresql.conf"), &conf);
        cluster.start_again();
        cluster
    }

    /// The URL of its `postgres` database (trust authentication).
    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server in `mode` (`pg_ctl stop -m <mode>`): `immediate`
    /// as a crash would (connections drop, nothing is flushed, the next
    /// start recovers from the write-ahead log), `fast` as a restart does
    /// (every session ended with an error, 57P01).
    pub(crate) fn stop(&self, mode: &str) {
        run(&mut self.pg_ctl(["stop", "-w", "-m", mode]));
    }

    /// Starts the server and waits until it accepts connections.
    pub(crate) fn start_again(&self) {
        let log = self.root.join("server.log");
        run(self.pg_ctl(["start", "-w", "-t", "60"]).arg("-l").arg(&log));
    }

    /// The server's log so far (for a failure's message).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// `pg_ctl <args> -D <data>`.
    fn pg_ctl<const N: usize>(&self, args: [&str; N]) -> Command {
        let mut command = self.server_command("pg_ctl");
        command.args(args).arg("-D").arg(self.data_dir());
        command
    }

    /// One of the server's programs, run as the user who owns the cluster.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// A process of its own (its own process group, so a signal to the
    /// test's group spares it) that stops the cluster and removes its
    /// directory once this process is gone, or after [`MAX_LIFE`].
    fn spawn_watchdog(&self) -> Child {
        use std::os::unix::process::CommandExt as _;
        let script = r#"
            n=0
            while kill -0 "$1" 2>/dev/null && [ "$n" -lt "$2" ]; do sleep 1; n=$((n + 1)); done
            if [ "$5" = yes ]; then
                runuser -u postgres -- "$3" stop -m immediate -D "$4/data"
            else
                "$3" stop -m immediate -D "$4/data"
            fi
            rm -rf "$4"
        "#;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("scratch-postgres-watchdog")
            .arg(std::process::id().to_string())
            .arg(MAX_LIFE.as_secs().to_string())
            .arg(self.bin.join("pg_ctl"))
            .arg(&self.root)
            .arg(if self.as_postgres { "yes" } else { "no" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the cluster's watchdog (sh): {e}"))
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        if self.data_dir().join("postmaster.pid").exists() {
            // Best effort: the server may be stopped already.
            let _ = self
                .pg_ctl(["stop", "-w", "-m", "immediate"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Where `initdb` and `pg_ctl` are: `PG_BINDIR`, else `pg_config --bindir`,
/// else the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn server_bin_dir() -> PathBuf {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        let dir = PathBuf::from(dir);
        assert!(
            has_server(&dir),
            "PG_BINDIR={} has no initdb and pg_ctl",
            dir.display()
        );
        return dir;
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_server(d)) {
        return dir;
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    debian.sort();
    match debian.pop() {
        Some((_, dir)) => dir,
        None => panic!(
            "PostgreSQL's server programs (initdb, pg_ctl) were not found: not in PG_BINDIR, \
             `pg_config --bindir` or /usr/lib/postgresql/*/bin. Install PostgreSQL \
             (scripts/services.sh does) or set PG_BINDIR."
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A port of 127.0.0.1 free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn append(path: &Path, text: &str) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    file.write_all(text.as_bytes()).unwrap();
}

/// Runs `command`; panics with its output unless it succeeds.
fn run(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
