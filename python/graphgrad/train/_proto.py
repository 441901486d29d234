"""Protobuf message classes from a short description, so that MindSpore's file formats (.ckpt,
.mindir) need neither protoc nor MindSpore's generated modules. Each format gets its own
descriptor pool: no clash with another package's message of the same name."""

_TYPES = {"string": 9, "bytes": 12, "int64": 3, "int32": 5, "float": 2, "double": 1, "bool": 8}  # FieldDescriptorProto.Type
_LABELS = {"optional": 1, "required": 2, "repeated": 3}


def message_classes(fmt, schema):
    """{name: class} for each message of `schema`, {message: [(field, number, label, type)]}, where
    type is a scalar name of _TYPES or another message of the schema. Field numbers are what
    matters on the wire; only the fields graphgrad reads or writes need be listed (protobuf keeps
    the others it meets when parsing)."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        raise ImportError(f"the .{fmt} format needs the protobuf package: pip install 'graphgrad[ckpt]' "
                          "(or pip install protobuf)") from None
    f = descriptor_pb2.FileDescriptorProto(name=f"graphgrad_{fmt}.proto", package=f"graphgrad_{fmt}",
                                           syntax="proto2")
    for message, fields in schema.items():
        m = f.message_type.add(name=message)
        for name, number, label, ftype in fields:
            fd = m.field.add(name=name, number=number, label=_LABELS[label])
            if ftype in _TYPES:
                fd.type = _TYPES[ftype]
            else:
                fd.type, fd.type_name = 11, f".graphgrad_{fmt}.{ftype}"  # TYPE_MESSAGE
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    classes = {}
    for message in schema:
        desc = pool.FindMessageTypeByName(f"graphgrad_{fmt}.{message}")
        if hasattr(message_factory, "GetMessageClass"):
            classes[message] = message_factory.GetMessageClass(desc)
        else:  # protobuf < 4.22
            classes[message] = message_factory.MessageFactory(pool).GetPrototype(desc)
    return classes
