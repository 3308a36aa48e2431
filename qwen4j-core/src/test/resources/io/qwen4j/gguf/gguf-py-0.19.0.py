# Produces gguf-py-0.19.0.gguf with llama.cpp's own Python writer (pip package `gguf` 0.19.0),
# the golden file GgufGoldenTest reads and re-writes byte for byte.
import gguf, numpy as np
w = gguf.GGUFWriter("gguf-py-0.19.0.gguf", "qwen3")
w.add_uint8("u8", 200); w.add_int8("i8", -5); w.add_uint16("u16", 60000); w.add_int16("i16", -300)
w.add_uint32("u32", 4000000000); w.add_int32("i32", -7); w.add_float32("f32", 0.25); w.add_bool("b", True)
w.add_string("s", "héllo"); w.add_uint64("u64", 2**64-1); w.add_int64("i64", -2**63); w.add_float64("f64", 3.5)
w.add_array("strs", ["a", "bc", ""]); w.add_array("ints", [1, 2, 3]); w.add_array("nested", [[1, 2], ["x"]])
w.add_tensor("t.f32", np.arange(24, dtype=np.float32).reshape(4, 6))
w.add_tensor("t.f16", np.arange(10, dtype=np.float16))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
