//! What a handler's signature says about its operation: parameters, body, answer
//! and security, read through small traits implemented for the extractors.

use super::*;

/// Schema generators: request bodies and parameters are described as serde
/// deserializes them (a `#[serde(default)]` field is optional), answers as it
/// serializes them (a `skip_serializing_if` field may be absent).
pub struct Generators {
    pub(crate) input: SchemaGenerator,
    pub(crate) output: SchemaGenerator,
}

impl Generators {
    pub(crate) fn new() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Generators {
            input: settings.clone().for_deserialize().into_generator(),
            output: settings.for_serialize().into_generator(),
        }
    }

    /// Every named schema either generator met, under `#/components/schemas`.
    pub(crate) fn take_definitions(&mut self) -> Map<String, Value> {
        let mut all = self.output.take_definitions(true);
        for (name, schema) in self.input.take_definitions(true) {
            match all.get(&name) {
                Some(other) if *other != schema => panic!(
                    "schema `{name}` differs between requests and answers; \
                     give one of the two types another schema name"
                ),
                _ => {
                    all.insert(name, schema);
                }
            }
        }
        all
    }
}

/// What a handler's signature says about its operation.
#[derive(Default)]
pub struct Signature {
    pub(crate) path_params: Vec<Schema>,
    pub(crate) query: Option<Schema>,
    pub(crate) body: Option<Schema>,
    pub(crate) caller: bool,
    /// The status the handler answers with, when its type fixes it.
    pub(crate) status: Option<u16>,
    pub(crate) answer: Option<Schema>,
}

/// A handler argument that shows in the document.
pub trait Part {
    fn describe(signature: &mut Signature, generators: &mut Generators);
}

impl Part for State<ApiState> {
    fn describe(_: &mut Signature, _: &mut Generators) {}
}

impl Part for Caller {
    fn describe(signature: &mut Signature, _: &mut Generators) {
        signature.caller = true;
    }
}

impl<T: PathParams> Part for Path<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.path_params = T::schemas(&mut generators.input);
    }
}

impl<T: JsonSchema> Part for Query<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.query = Some(T::json_schema(&mut generators.input));
    }
}

impl<T: JsonSchema> Part for Body<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.body = Some(generators.input.subschema_for::<T>());
    }
}

/// The type a `Path` extractor parses, one schema per `{…}` of the path.
pub trait PathParams {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema>;
}

impl PathParams for i64 {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema> {
        vec![generator.subschema_for::<i64>()]
    }
}

impl<A: JsonSchema, B: JsonSchema> PathParams for (A, B) {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema> {
        vec![
            generator.subschema_for::<A>(),
            generator.subschema_for::<B>(),
        ]
    }
}

/// A handler's answer.
pub trait Answer {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator);
}

impl<T: JsonSchema> Answer for ApiResult<Json<T>> {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator) {
        signature.status = Some(200);
        signature.answer = Some(generator.subschema_for::<T>());
    }
}

/// The status is the handler's choice: the operation states it.
impl<T: JsonSchema> Answer for ApiResult<(StatusCode, Json<T>)> {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator) {
        signature.answer = Some(generator.subschema_for::<T>());
    }
}

/// A handler (`async fn` of [`Part`]s answering an [`Answer`]) described from
/// its type; `M` only tells the arities apart.
pub trait Describe<M> {
    fn describe(&self, generators: &mut Generators) -> Signature;
}

macro_rules! describe_handler {
    ($($arg:ident),+) => {
        impl<F, Fut, R, $($arg),+> Describe<($($arg,)+ R)> for F
        where
            F: Fn($($arg),+) -> Fut,
            Fut: Future<Output = R>,
            R: Answer,
            $($arg: Part,)+
        {
            fn describe(&self, generators: &mut Generators) -> Signature {
                let mut signature = Signature::default();
                $($arg::describe(&mut signature, generators);)+
                R::describe(&mut signature, &mut generators.output);
                signature
            }
        }
    };
}

describe_handler!(A1, A2);
describe_handler!(A1, A2, A3);
describe_handler!(A1, A2, A3, A4);

/// One operation of the API.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    /// `module_handler`, from the handler's name.
    pub id: String,
    pub summary: &'static str,
    /// Every scope an API key needs (a signed-in person has them all).
    pub scopes: &'static [Scope],
    /// Can answer 409 when the resource's state does not allow the call.
    pub conflict: bool,
    pub(crate) signature: Signature,
}

impl Operation {
    pub(crate) fn new<M, H: Describe<M>>(
        generators: &mut Generators,
        method: &'static str,
        path: &'static str,
        handler: H,
        summary: &'static str,
        scopes: &'static [Scope],
    ) -> Self {
        let name = std::any::type_name::<H>();
        let mut segments = name.rsplit("::");
        let function = segments.next().unwrap_or(name);
        let module = segments.next().unwrap_or("api");
        Operation {
            method,
            path,
            id: format!("{module}_{function}"),
            summary,
            scopes,
            conflict: false,
            signature: handler.describe(generators),
        }
    }

    pub(crate) fn status(mut self, status: u16) -> Self {
        self.signature.status = Some(status);
        self
    }

    pub(crate) fn conflict(mut self) -> Self {
        self.conflict = true;
        self
    }
}
