fn main() {
    println!("credence");
}
