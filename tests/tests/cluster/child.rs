//! A bot instance in a process of its own, to be SIGKILLed: this test
//! binary run again with one of its ignored `child_instance` tests, which
//! prints a ready line and serves until killed (or stops by itself).

use std::io::{BufRead as _, BufReader};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The child; killed and reaped when dropped.
pub(crate) struct ChildInstance(Child);

impl ChildInstance {
    /// Runs the ignored test `test` with `vars` set, and waits until it
    /// prints `ready`.
    pub(crate) fn spawn(test: &str, vars: &[(&str, &str)], ready: &str) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                test,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let started = Instant::now();
        loop {
            let line = lines.next().expect("the child says it is ready").unwrap();
            if line.contains(ready) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the child never got ready"
            );
        }
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Self(child)
    }

    /// SIGKILL, then its exit status.
    pub(crate) fn kill(&mut self) -> std::process::ExitStatus {
        self.0.kill().unwrap();
        self.0.wait().unwrap()
    }
}

impl Drop for ChildInstance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's side: a whole bot (server, dispatcher, job workers) on the
/// database and the fake Twilio whose URLs are in the variables `database`
/// and `twilio`, its settings changed by `tweak(settings, database url,
/// twilio url)`; it prints `ready`, then serves until killed (a child
/// nobody kills stops by itself after two minutes).
pub(crate) async fn serve_child(
    database: &str,
    twilio: &str,
    ready: &str,
    tweak: fn(&mut bot::config::Settings, &str, &str),
) {
    let (Ok(url), Ok(base)) = (std::env::var(database), std::env::var(twilio)) else {
        panic!("run only as a SIGKILL scenario's child ({database} and {twilio} are unset)");
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = bot::config::Settings::local(listener.local_addr().unwrap());
    settings.twilio.account_sid = Some(crate::support::ACCOUNT_SID.to_owned());
    settings.twilio.auth_token = Some(crate::support::TOKEN.into());
    tweak(&mut settings, &url, &base);
    let services = bot::services::Services::build(settings).await.unwrap();
    println!("{ready}");
    let stop = tokio::time::sleep(Duration::from_secs(120));
    bot::server::run(&services, listener, stop).await.unwrap();
}
