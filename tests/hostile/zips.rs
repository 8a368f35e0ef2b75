//! Hostile archives: bombs flat and nested, names that climb out, duplicate names, a
//! password-protected member, and many 1 MiB members at once.

use super::Planted;
use crate::util::zip_with_raw_names;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

/// Deflate at the best level: bombs and repeated members are only small on disk if squeezed.
fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
}

/// A zip of the given members, in order, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer.start_file(*name, deflated()).expect("zip entry");
        writer.write_all(data).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// 16 MiB of zeros deflated to about 16 KB: a ratio of about 1,000, five times the limit, so
/// the member is refused from its declared size before anything is inflated.
fn bomb_member() -> Vec<u8> {
    vec![0u8; 16 * 1024 * 1024]
}

/// A zip bomb: one member of a very high ratio beside one ordinary member, which must still be
/// read.
pub fn bomb() -> Vec<u8> {
    zip_of(&[
        ("零.bin", &bomb_member()),
        ("说明.txt", "售后服务说明：压缩炸弹旁的普通文件".as_bytes()),
    ])
}

/// Levels of the nested bomb: a zip of [`NESTED_COPIES`] copies of the level below plus one
/// bomb member, five levels deep, so the depth limit (4) stops the walk and the ratio limit
/// refuses the bomb at every level above it (42.zip's shape, 4 copies instead of 16 so the
/// report stays a few hundred rows).
const NESTED_LEVELS: usize = 5;
const NESTED_COPIES: usize = 4;

/// A 42.zip-like nested bomb. Identical copies of a level sit within deflate's 32 KB window of
/// each other, so each level costs little more than one copy on disk. Returns the bytes and
/// the member paths of its first branch, which must all be listed.
pub fn nested_bomb() -> (Vec<u8>, Vec<String>) {
    let bomb = bomb_member();
    let mut level = zip_of(&[("零.bin", &bomb)]);
    for depth in 1..NESTED_LEVELS {
        let names: Vec<String> = (1..=NESTED_COPIES)
            .map(|copy| format!("第{depth}层-{copy}.zip"))
            .collect();
        let mut entries: Vec<(&str, &[u8])> = vec![("零.bin", &bomb)];
        entries.extend(names.iter().map(|n| (n.as_str(), level.as_slice())));
        level = zip_of(&entries);
    }
    let mut branch = Vec::new();
    let mut path = String::new();
    for depth in (1..NESTED_LEVELS).rev() {
        path.push_str(&format!("第{depth}层-1.zip"));
        branch.push(path.clone());
        path.push_str("!/");
    }
    (level, branch)
}

/// Names that climb out of the archive (zip-slip): `../`, absolute, backslashes, a drive
/// letter. Stored raw, as a hostile tool writes them; read under safe relative names.
pub fn slip() -> (Vec<u8>, Vec<String>) {
    let body = "越界文件名".as_bytes();
    let bytes = zip_with_raw_names(&[
        (b"../../etc/x.txt", body),
        (b"/tmp/absolute.txt", body),
        (b"..\\..\\windows\\system32\\x.txt", body),
        (b"C:\\temp\\drive.txt", body),
    ]);
    let members = [
        "etc/x.txt",
        "tmp/absolute.txt",
        "windows/system32/x.txt",
        "temp/drive.txt",
    ];
    (bytes, members.map(String::from).to_vec())
}

/// Fifty entries with one name: each is read, the later ones numbered `~2`…`~50`.
pub fn same_name() -> (Vec<u8>, Vec<String>) {
    let contents: Vec<Vec<u8>> = (1..=50)
        .map(|n| format!("第{n}份记录").into_bytes())
        .collect();
    let entries: Vec<(&[u8], &[u8])> = contents
        .iter()
        .map(|c| ("记录.txt".as_bytes(), c.as_slice()))
        .collect();
    let mut members = vec!["记录.txt".to_string()];
    members.extend((2..=50).map(|n| format!("记录~{n}.txt")));
    (zip_with_raw_names(&entries), members)
}

/// A member encrypted with ZipCrypto beside a plain one: the first is `encrypted`, the second
/// read.
pub fn encrypted_member() -> Vec<u8> {
    use zip::unstable::write::FileOptionsExt;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Called as the trait's: the options type has a crate-private method of the same name.
    let locked =
        FileOptionsExt::with_deprecated_encryption(deflated(), b"secret").expect("password");
    writer.start_file("加密.txt", locked).expect("zip entry");
    writer
        .write_all("加密的售后服务制度".as_bytes())
        .expect("zip write");
    writer
        .start_file("公开.txt", deflated())
        .expect("zip entry");
    writer
        .write_all("公开的售后服务制度".as_bytes())
        .expect("zip write");
    writer.finish().expect("zip finish").into_inner()
}

/// How many 1 MiB members the hostile set's zip holds. Issue 11 found 2,500 of them held in
/// memory at once (2 GB); 300 make 300 MiB, which shows in the parent's peak memory (about
/// 330 MB for this zip alone while members are held) and stays under the 500 MB bound, so the
/// whole-inbox test can pass before members are spooled; `tests/hostile_inbox.rs` has the
/// larger case on its own.
pub const MANY_MEMBERS: usize = 300;

/// A zip of `count` members of 1 MiB of zeros each (binary, so each is `unsupported` at once and
/// the cost is holding and moving the bytes, not reading them). The member is compressed once
/// and copied, so building it is fast; about 1 KB each on disk.
pub fn many_members(count: usize) -> (Vec<u8>, Vec<String>) {
    // Zeros: 1 MiB is the size below which the ratio limit does not apply, so they are read.
    let data = vec![0u8; 1024 * 1024];
    let names: Vec<String> = (1..=count).map(|n| format!("附件{n:04}.bin")).collect();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(&names[0], deflated()).expect("zip entry");
    writer.write_all(&data).expect("zip write");
    for name in &names[1..] {
        writer.deep_copy_file(&names[0], name).expect("copy");
    }
    (writer.finish().expect("zip finish").into_inner(), names)
}

/// Adds the archive classes to `planted`: each zip is `ok` (it opens), and each member has its
/// own expected status.
pub fn plant(dir: &std::path::Path, planted: &mut Vec<Planted>) {
    const OK: &[&str] = &["ok"];
    const LIMIT: &[&str] = &["limit_exceeded"];
    super::put(dir, planted, "zip-炸弹.zip", &bomb(), "zip bomb", OK)
        .members(&["零.bin"], LIMIT)
        .members(&["说明.txt"], OK);
    let (bytes, branch) = nested_bomb();
    let (opened, too_deep) = branch.split_at(branch.len() - 1);
    let bombs: Vec<String> = opened.iter().map(|zip| format!("{zip}!/零.bin")).collect();
    super::put(
        dir,
        planted,
        "zip-嵌套炸弹.zip",
        &bytes,
        "nested zip bomb",
        OK,
    )
    .members(opened, OK)
    .members(too_deep, LIMIT)
    .members(&["零.bin"], LIMIT)
    .members(&bombs, LIMIT);
    let (bytes, members) = slip();
    super::put(dir, planted, "zip-越界名.zip", &bytes, "zip-slip names", OK).members(&members, OK);
    let (bytes, members) = same_name();
    super::put(
        dir,
        planted,
        "zip-同名.zip",
        &bytes,
        "50 entries, one name",
        OK,
    )
    .members(&members, OK);
    let encrypted = encrypted_member();
    super::put(
        dir,
        planted,
        "zip-加密成员.zip",
        &encrypted,
        "encrypted member",
        OK,
    )
    .members(&["加密.txt"], &["encrypted"])
    .members(&["公开.txt"], OK);
    let (bytes, members) = many_members(MANY_MEMBERS);
    let class = "300 × 1 MiB members";
    super::put(dir, planted, "zip-大量成员.zip", &bytes, class, OK)
        .members(&members, &["unsupported"]);
}
