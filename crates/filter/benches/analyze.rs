//! Criterion benchmark of the full analysis per message (`cargo bench -p switchboard-filter`).
//! Reports; asserts nothing. The `shield eval` command gives p50/p99 over whole datasets.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use switchboard_filter::{FilterInput, Shield, ShieldConfig};

const MESSAGES: &[(&str, &str)] = &[
    ("otp", "482913 is your Acme verification code. It expires in 10 minutes. Do not share it."),
    ("reminder", "Reminder: your appointment with Anna at Salon Bella is tomorrow at 10:00. Reply C to confirm or X to cancel."),
    ("delivery-link", "Your UPS package 1Z999AA10123456784 is out for delivery today. Track at https://www.ups.com/track?loc=en_US"),
    ("prize-spam", "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only."),
    ("0ktapus", "Twilio IT: your password expires today. Re-verify now at https://twilio-sso.com/login to keep access."),
    ("typo-unicode", "Your account is on hold, verify your identity: hxxps://xn--pypal-4ve[.]com/verify?id=88123"),
];

fn analyze(c: &mut Criterion) {
    let shield = Shield::new(ShieldConfig::default());
    let mut group = c.benchmark_group("analyze");
    for (name, text) in MESSAGES {
        group.bench_function(*name, |b| {
            b.iter(|| shield.analyze(black_box(&FilterInput::text(text))))
        });
    }
    group.finish();
}

criterion_group!(benches, analyze);
criterion_main!(benches);
