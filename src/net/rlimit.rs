//! The open-file limit, read (and raised to the hard limit) at start.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit where allowed and returns the soft limit
/// now in force (None where it cannot be read).
pub fn raise_nofile() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let want = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                    lim.rlim_cur = lim.rlim_max;
                }
            }
        }
        Some(lim.rlim_cur)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// File descriptors kept free for everything that is not a client connection: the database
/// pool and its WAL files, uploads, outgoing HTTPS, logs.
pub const RESERVED_FDS: u64 = 128;

/// The connection cap: the configured one, lowered to fit under the open-file limit.
pub fn connection_cap(configured: usize, fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(l) => {
            let fit = l.saturating_sub(RESERVED_FDS).max(16);
            configured.min(usize::try_from(fit).unwrap_or(usize::MAX))
        }
        None => configured,
    }
}
